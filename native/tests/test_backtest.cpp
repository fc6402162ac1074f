// Backtest engine: hand-built scenarios with known answers, path independence, argument
// checks, and (with a GPU) the CUDA engine (one window of the sweep's) against the CPU engine
// within 1e-9.
#include "../core/no_fp_contract.h"  // run_path is instantiated here too, and the linker may keep this copy

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "../core/backtest/backtest.h"
#include "../core/backtest/backtest_path.h"
#include "../core/backtest/backtest_rules.h"
#include "../core/backtest/backtest_series.h"
#include "../core/backtest/backtest_sources.h"
#include "../core/backtest/backtest_trace.h"
#include "../cuda/cuda_api.h"
#include "check.h"
#include "cuda_guard.h"
#include "synthetic_candles.h"

using namespace ntp;

namespace {

// Candles from explicit rows {open, high, low, close}, hourly.
test::OwnedCandles rows(const std::vector<std::vector<double>>& r) {
  test::OwnedCandles k;
  for (std::size_t i = 0; i < r.size(); ++i) {
    k.ts.push_back(1.6e12 + 3.6e6 * static_cast<double>(i));
    k.o.push_back(r[i][0]); k.h.push_back(r[i][1]); k.l.push_back(r[i][2]); k.c.push_back(r[i][3]);
    k.v.push_back(1.0);
  }
  return k;
}

struct OwnedSignals {
  std::vector<int8_t> side;
  std::vector<double> stop, t1, t2, t3, size;
  explicit OwnedSignals(std::size_t n) : side(n, 0), stop(n, 0.05), t1(n, 0.02), t2(n, 0.04), t3(n, 0.06), size(n, 1.0) {}
  SignalColumns view() const {
    SignalColumns g;
    g.side = side.data(); g.stop = stop.data(); g.size = size.data();
    g.target[0] = t1.data(); g.target[1] = t2.data(); g.target[2] = t3.data();
    return g;
  }
};

bt::PathParams frictionless() {
  bt::PathParams p;
  p.fee = 0; p.slip = 0; p.initial_equity = 1000;
  return p;
}

struct Traced {
  std::vector<double> metrics, trades, equity;
  int32_t count = 0;
};

Traced run_one(const test::OwnedCandles& k, const OwnedSignals& g, const bt::PathParams& p) {
  BacktestSymbol sym{k.view(), 8760};
  const SignalColumns cols = g.view();
  Traced out;
  const std::size_t n = k.c.size();
  out.metrics.resize(bt::kMetricCount);
  out.trades.resize(n * bt::kTradeFields);
  out.equity.resize(n);
  const int32_t path = 0;
  TraceRequest tr;
  tr.paths = &path; tr.count = 1; tr.stride = n;
  tr.trades = out.trades.data(); tr.trade_counts = &out.count; tr.equity = out.equity.data();
  backtest_signals(&sym, &cols, 1, &p, 1, out.metrics.data(), &tr);
  return out;
}

double field(const Traced& t, int trade, int f) { return t.trades[trade * bt::kTradeFields + f]; }

// A rule of every strategy in the table, parameters from its declared ranges: integer periods
// 5, 12, 19 in parameter order (so fast < slow), real parameters at 30% then 70% of their range
// (RSI levels 30 < 70, a Bollinger width of 3).
std::vector<RuleSpec> one_rule_per_strategy() {
  std::vector<RuleSpec> rules;
  for (int32_t kind = 0; kind < RuleStrategies::kCount; ++kind) {
    RuleSpec r{kind, {}};
    visit_strategy(kind, [&](auto s) {
      int reals = 0;
      for (std::size_t j = 0; j < decltype(s)::kParams.size(); ++j) {
        const ParamSpec& q = decltype(s)::kParams[j];
        r.params[j] = q.integer ? std::max(q.min, 5.0 + 7.0 * static_cast<double>(j))
                                : q.min + (q.max - q.min) * (reals++ == 0 ? 0.3 : 0.7);
      }
    });
    rules.push_back(r);
  }
  return rules;
}

}  // namespace

TEST_CASE(long_stop_gap_at_open) {
  // Signal at bar 0 -> long at bar 1's open (100); stop 5% = 95; bar 2 opens at 90 below it.
  auto k = rows({{100, 101, 99, 100}, {100, 101.5, 98, 101}, {90, 91, 89, 90}, {90, 91, 89, 90}});
  OwnedSignals g(4);
  g.side[0] = 1;
  const Traced r = run_one(k, g, frictionless());
  CHECK(r.count == 1);
  CHECK(field(r, 0, bt::kTReason) == bt::kReasonStop);
  CHECK(field(r, 0, bt::kTExitIndex) == 2);
  CHECK_CLOSE(field(r, 0, bt::kTExitPrice), 90.0, 1e-12);        // the open, not the stop
  CHECK_CLOSE(field(r, 0, bt::kTPnl), 10.0 * (90.0 - 100.0), 1e-12);  // 10 units
  CHECK_CLOSE(r.metrics[bt::kMFinalEquity], 900.0, 1e-12);
  CHECK(r.metrics[bt::kMStopOuts] == 1);
}

TEST_CASE(short_liquidated_at_a_gap_up_then_nothing_opens) {
  // Short 10 units at 100 with 1000 of cash: zero equity at 200. Bar 2 opens at 250: closed
  // there (-1500, equity -500); the short decided at bar 3 never opens.
  auto k = rows({{100, 100, 100, 100}, {100, 101, 99, 100}, {250, 260, 240, 255}, {255, 256, 254, 255}, {255, 256, 250, 252}});
  OwnedSignals g(5);
  g.side[0] = -1;
  g.side[3] = -1;
  const Traced r = run_one(k, g, frictionless());
  CHECK(r.count == 1);
  CHECK(field(r, 0, bt::kTReason) == bt::kReasonLiquidation);
  CHECK(field(r, 0, bt::kTExitIndex) == 2);
  CHECK_CLOSE(field(r, 0, bt::kTExitPrice), 250.0, 1e-12);
  CHECK_CLOSE(r.metrics[bt::kMFinalEquity], -500.0, 1e-12);
  CHECK(r.metrics[bt::kMStopOuts] == 0);
}

TEST_CASE(leveraged_long_liquidated_inside_the_bar) {
  // 5x: 50 units at 100 with 1000 of cash, 10 bps fee: zero equity after the exit fee at
  // L = (5000 - 995) / (50 * 0.999); the 30% stop (70) is farther, the low 75 reaches L.
  auto k = rows({{100, 100, 100, 100}, {100, 101, 99, 100}, {98, 99, 75, 95}, {95, 96, 94, 95}});
  OwnedSignals g(4);
  g.side[0] = 1;
  g.stop[0] = 0.3;
  bt::PathParams p = frictionless();
  p.risk_fraction = 5;
  p.fee = 0.001;
  const Traced r = run_one(k, g, p);
  CHECK(r.count == 1);
  CHECK(field(r, 0, bt::kTReason) == bt::kReasonLiquidation);
  CHECK_CLOSE(field(r, 0, bt::kTExitPrice), (5000.0 - 995.0) / (50 * 0.999), 1e-12);
  CHECK(std::fabs(r.metrics[bt::kMFinalEquity]) < 1e-9);
}

TEST_CASE(three_tiers_in_one_bar_then_metrics) {
  auto k = rows({{100, 100, 100, 100}, {100, 107, 99, 106}, {106, 106, 106, 106}});
  OwnedSignals g(3);
  g.side[0] = 1;
  const Traced r = run_one(k, g, frictionless());
  CHECK(r.count == 1);
  CHECK(field(r, 0, bt::kTReason) == bt::kReasonTarget);
  for (int tier = 0; tier < 3; ++tier) CHECK(field(r, 0, bt::kTTierIndex + tier) == 1);
  // 10 units: 10/3 at 102, 104 and the rest at 106.
  CHECK_CLOSE(field(r, 0, bt::kTPnl), 10.0 / 3 * 2 + 10.0 / 3 * 4 + (10 - 20.0 / 3) * 6, 1e-12);
  CHECK(r.metrics[bt::kMTier1Hits] == 1 && r.metrics[bt::kMTier3Hits] == 1);
  CHECK(r.metrics[bt::kMTrades] == 1 && r.metrics[bt::kMWinRate] == 1);
  CHECK_CLOSE(r.metrics[bt::kMExposure], 1.0 / 3, 1e-12);
}

TEST_CASE(paths_are_independent) {
  // The same path computed alone and inside a batch of different parameter sets agrees exactly.
  auto k = test::random_candles(3000, 5);
  OwnedSignals g(3000);
  for (std::size_t t = 0; t < 3000; t += 37) g.side[t] = (t / 37) % 2 ? 1 : -1;
  BacktestSymbol sym{k.view(), 8760};
  const SignalColumns cols = g.view();
  std::vector<bt::PathParams> ps(5, frictionless());
  ps[1].fee = 0.001; ps[2].flags |= bt::kOptimistic; ps[3].max_hold = 10; ps[4].slip = 0.0005;
  std::vector<double> batch(5 * bt::kMetricCount), alone(bt::kMetricCount);
  backtest_signals(&sym, &cols, 1, ps.data(), 5, batch.data(), nullptr);
  for (int p = 0; p < 5; ++p) {
    backtest_signals(&sym, &cols, 1, &ps[p], 1, alone.data(), nullptr);
    for (int m = 0; m < bt::kMetricCount; ++m) CHECK(batch[p * bt::kMetricCount + m] == alone[m] ||
                                                     (std::isnan(alone[m]) && std::isnan(batch[p * bt::kMetricCount + m])));
  }
  CHECK(batch[bt::kMTrades] > 30);
}

// A rule's decision at bar t read straight from its series (backtest_strategies.h): +1 when
// `up` holds at t and did not at t-1, -1 likewise for `down`, from the warm-up on. The
// reference the event lists' word scans are tested against.
static int32_t bar_decision(const RuleSpec& rule, const double* const* series, long warmup, long t) {
  if (t < warmup || t < 1) return 0;
  int32_t side = 0;
  visit_strategy(rule.kind, [&](auto strategy) {
    using S = decltype(strategy);
    const auto holds = [&](long b, bool up) {
      double v[kMaxRuleSeries];
      for (int i = 0; i < S::kSeries; ++i) v[i] = series[i][b];
      return up ? S::up(v, rule.params) : S::down(v, rule.params);
    };
    side = static_cast<int32_t>(holds(t, true) && !holds(t - 1, true)) - static_cast<int32_t>(holds(t, false) && !holds(t - 1, false));
  });
  return side;
}

TEST_CASE(rule_event_lists_match_the_series_scan) {
  // The CPU engine reads rule signals from precomputed event lists (built from SIMD bitsets in
  // chunks): they must decide, on every bar, the side the strategy's conditions decide read
  // straight from the series, word and chunk edges included. (The GPU's lists are held equal to
  // these in test_sweep_plan.cpp.)
  std::vector<test::OwnedCandles> ks = {test::random_candles(3001, 21), test::random_candles(130, 22)};
  std::vector<BacktestSymbol> syms = {{ks[0].view(), 8760}, {ks[1].view(), 8760}};
  std::vector<RuleSpec> rules = {{rule_kind<EmaCross>(), {3, 7}}, {rule_kind<EmaCross>(), {12, 65}}, {rule_kind<SmaCross>(), {5, 64}},
                                 {rule_kind<SmaCross>(), {2, 3}}, {rule_kind<RsiReversal>(), {14, 30, 70}}, {rule_kind<RsiReversal>(), {3, 45, 55}}};
  for (const RuleSpec& r : one_rule_per_strategy()) rules.push_back(r);
  const RuleSeries rs = plan_rule_series(rules.data(), rules.size());
  const RuleEvents ev = compute_rule_events(syms.data(), 2, rules.data(), rules.size());
  long events = 0;
  for (std::size_t s = 0; s < 2; ++s) {
    const long n = static_cast<long>(syms[s].candles.length);
    std::vector<std::vector<double>> series(rs.unique, std::vector<double>(n));
    for (std::size_t u = 0; u < rs.unique; ++u) fill_series(rs.list[u], syms[s].candles.close, n, series[u].data());
    for (std::size_t r = 0; r < rules.size(); ++r) {
      const std::vector<int32_t>& list = ev.lists[s * rules.size() + r];
      bt::EventListSource src{list.data(), list.data() + list.size()};
      const double* read[kMaxRuleSeries] = {};
      for (int i = 0; i < kMaxRuleSeries; ++i)
        if (rs.ids[r][i] >= 0) read[i] = series[rs.ids[r][i]].data();
      long next = src.next_event(0, n);
      for (long t = 0; t < n; ++t) {
        const int32_t want = bar_decision(rules[r], read, rs.warmup[r], t);
        if (want != 0) {
          CHECK(next == t);  // next_event finds every event in order, with its side
          CHECK(src.side(t) == want);
          next = src.next_event(t + 1, n);
          ++events;
        } else {
          CHECK(next != t);
        }
      }
      CHECK(next == n);
    }
  }
  CHECK(events > 200);
}

TEST_CASE(bad_arguments_throw) {
  auto k = test::random_candles(50);
  OwnedSignals g(50);
  BacktestSymbol sym{k.view(), 8760};
  SignalColumns cols = g.view();
  std::vector<double> m(bt::kMetricCount);
  bt::PathParams p = frictionless();
  p.frac[0] = 0.5;  // fractions sum to 7/6
  CHECK_THROWS(backtest_signals(&sym, &cols, 1, &p, 1, m.data(), nullptr));
  p = frictionless();
  p.fee = -0.001;
  CHECK_THROWS(backtest_signals(&sym, &cols, 1, &p, 1, m.data(), nullptr));
  p = frictionless();
  g.side[3] = 1;
  g.stop[3] = NAN;
  cols = g.view();
  CHECK_THROWS(backtest_signals(&sym, &cols, 1, &p, 1, m.data(), nullptr));
  g.stop[3] = 0.05;
  k.h[7] = NAN;
  sym.candles = k.view();
  CHECK_THROWS(backtest_signals(&sym, &cols, 1, &p, 1, m.data(), nullptr));
  k.h[7] = k.o[7] * 1.01;
  RuleSpec bad_rule{rule_kind<EmaCross>(), {20, 10}};  // slow <= fast
  CHECK_THROWS(backtest_rules(&sym, 1, &bad_rule, 1, &p, 1, m.data(), nullptr));
  CHECK_THROWS(backtest_rules(&sym, 1, &bad_rule, 0, &p, 1, m.data(), nullptr));
  // Too many bars for int32 bar indices: refused before any bar is read.
  BacktestSymbol huge = sym;
  huge.candles.length = kMaxBacktestBars;
  RuleSpec ok_rule{rule_kind<EmaCross>(), {10, 20}};
  CHECK_THROWS(backtest_rules(&huge, 1, &ok_rule, 1, &p, 1, m.data(), nullptr));
  CHECK_THROWS(backtest_signals(&huge, &cols, 1, &p, 1, m.data(), nullptr));
}

TEST_CASE(summary_runs_match_the_bar_by_bar_path) {
  // Summary-only CPU runs fast-forward quiet bars eight at a time (AVX-512, where built) and
  // fold their return sums at the end; traced runs mark every bar one by one. Both must give
  // the same trades and, up to summation rounding, the same metrics, on both sides, in both
  // intrabar modes, with and without breakeven, holding limits and stops.
  const test::OwnedCandles k = test::random_candles(20000, 31);
  OwnedSignals g(k.c.size());
  for (std::size_t t = 3; t < k.c.size(); t += 17 + t % 29) g.side[t] = (t % 5 < 3) ? 1 : -1;
  for (std::size_t t = 0; t < k.c.size(); ++t) {
    g.stop[t] = 0.01 + 0.0004 * (t % 50);
    g.t1[t] = 0.005 + 0.0002 * (t % 40); g.t2[t] = 2 * g.t1[t]; g.t3[t] = 4 * g.t1[t];
  }
  const bt::SignalSource src{g.side.data(), g.stop.data(), g.t1.data(), g.t2.data(), g.t3.data(), g.size.data()};
  const bt::Bars bars{k.o.data(), k.h.data(), k.l.data(), k.c.data(), static_cast<long>(k.c.size())};
  std::vector<double> trades(k.c.size() * bt::kTradeFields);
  for (int i = 0; i < 12; ++i) {
    bt::PathParams p;
    p.fee = 0.0004 * (i % 3); p.slip = 0.0001 * (i % 2); p.max_hold = (i % 4) * 15;
    if (i % 3 == 0) p.flags |= bt::kOptimistic;
    if (i % 4 == 1) p.flags &= ~bt::kBreakeven;
    if (i % 5 == 2) p.stop_override = INFINITY;
    if (i == 7) p.flags &= ~bt::kAllowShort;
    double fast[bt::kMetricCount], one_by_one[bt::kMetricCount];
    bt::NoTrace none;
    bt::run_path(bars, src, p, 8760, fast, none);
    bt::TraceSink sink{trades.data(), k.c.size(), 0, nullptr};
    bt::run_path(bars, src, p, 8760, one_by_one, sink);
    CHECK(one_by_one[bt::kMTrades] > 100);
    for (int m = 0; m < bt::kMetricCount; ++m) CHECK_CLOSE(fast[m], one_by_one[m], 1e-12);
    for (int m : {bt::kMTrades, bt::kMMaxDrawdown, bt::kMMaxDrawdownBars, bt::kMFinalEquity, bt::kMStopOuts, bt::kMTier1Hits})
      CHECK(fast[m] == one_by_one[m]);  // not sums: exactly equal
  }
  // Leveraged paths end in a liquidation, which the quiet fast-forward must stop at too.
  int liquidations = 0;
  for (int i = 0; i < 8; ++i) {
    bt::PathParams p;
    p.risk_fraction = 20 + 10 * i;
    p.fee = 0.0004 * (i % 3);
    if (i % 2) p.flags |= bt::kOptimistic;
    p.stop_override = i % 2 ? INFINITY : 0.08;  // beyond the liquidation price
    double fast[bt::kMetricCount], one_by_one[bt::kMetricCount];
    bt::NoTrace none;
    bt::run_path(bars, src, p, 8760, fast, none);
    bt::TraceSink sink{trades.data(), k.c.size(), 0, nullptr};
    bt::run_path(bars, src, p, 8760, one_by_one, sink);
    CHECK(sink.count > 0);
    liquidations += trades[(sink.count - 1) * bt::kTradeFields + bt::kTReason] == bt::kReasonLiquidation;
    for (int m = 0; m < bt::kMetricCount; ++m) CHECK_CLOSE(fast[m], one_by_one[m], 1e-12);
    for (int m : {bt::kMTrades, bt::kMMaxDrawdown, bt::kMFinalEquity}) CHECK(fast[m] == one_by_one[m]);
  }
  CHECK(liquidations == 8);
}

TEST_CASE(simd_quotient_matches_division) {
#if defined(NTP_BT_QUIET_SIMD)
  // The quiet runs' reciprocal-based quotient: a / b to the last bit on ordinary equities, and
  // the division's own answer where the refinement cannot work (subnormal b, overflow).
  const double cases[][2] = {{3, 7}, {10123.45, 10119.8}, {1, 1}, {0.5, 3e-5}, {1e10, 1e-299},
                             {1, 5e-324}, {5e-324, 1}, {1e300, 1e-10}, {1e308, 0.5}};
  for (const auto& c : cases) {
    double out[8];
    _mm512_storeu_pd(out, bt::quiet_simd::quotient(_mm512_set1_pd(c[0]), _mm512_set1_pd(c[1]), 0xff));
    CHECK(out[0] == c[0] / c[1]);
  }
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(1000.0, 2000.0);
  int exact = 0;
  for (int i = 0; i < 100000; ++i) {
    const double a = u(rng), b = u(rng);
    double out[8];
    _mm512_storeu_pd(out, bt::quiet_simd::quotient(_mm512_set1_pd(a), _mm512_set1_pd(b), 0xff));
    CHECK(std::fabs(out[0] - a / b) <= 0x1p-52 * (a / b));  // within one ulp
    exact += out[0] == a / b;
  }
  CHECK(exact >= 99990);  // correctly rounded but in rare halfway cases
#else
  std::printf("  (built without AVX-512: the scalar quiet run divides)\n");
#endif
}

TEST_CASE(cuda_matches_cpu) {
  NTP_CUDA_OR_SKIP();
#ifdef NTP_HAVE_CUDA
  std::vector<test::OwnedCandles> ks = {test::random_candles(20000, 3), test::random_candles(15000, 4)};
  std::vector<BacktestSymbol> syms = {{ks[0].view(), 8760}, {ks[1].view(), 8760}};
  std::vector<OwnedSignals> gs;
  std::vector<SignalColumns> cols;
  for (std::size_t s = 0; s < 2; ++s) {
    gs.emplace_back(ks[s].c.size());
    for (std::size_t t = 5; t < ks[s].c.size(); t += 23 + s) gs[s].side[t] = (t % 3) ? 1 : -1;
  }
  for (auto& g : gs) cols.push_back(g.view());
  std::vector<bt::PathParams> ps;
  for (int i = 0; i < 24; ++i) {
    bt::PathParams p;
    p.fee = 0.0005 * (i % 3); p.slip = 0.0002 * (i % 2); p.max_hold = (i % 4) * 8;
    if (i % 5 == 0) p.flags |= bt::kOptimistic;
    if (i % 6 == 0) p.flags &= ~bt::kBreakeven;
    if (i % 7 == 0) p.stop_override = 0.01 + 0.002 * i;
    if (i % 4 == 3) p.risk_fraction = 10.0 * i;  // leveraged: liquidations on the GPU too
    ps.push_back(p);
  }
  std::vector<double> a(2 * ps.size() * bt::kMetricCount), b(a.size());
  backtest_signals(syms.data(), cols.data(), 2, ps.data(), ps.size(), a.data(), nullptr);
  cuda::backtest_signals(syms.data(), cols.data(), 2, ps.data(), ps.size(), b.data());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK_CLOSE(b[i], a[i], 1e-9);

  std::vector<RuleSpec> rules = one_rule_per_strategy();
  rules.push_back({rule_kind<EmaCross>(), {5, 20}});
  std::vector<double> c(2 * rules.size() * ps.size() * bt::kMetricCount), d(c.size());
  backtest_rules(syms.data(), 2, rules.data(), rules.size(), ps.data(), ps.size(), c.data(), nullptr);
  cuda::backtest_rules(syms.data(), 2, rules.data(), rules.size(), ps.data(), ps.size(), d.data());
  for (std::size_t i = 0; i < c.size(); ++i) CHECK_CLOSE(d[i], c[i], 1e-9);
#endif
}

NTP_TEST_MAIN
