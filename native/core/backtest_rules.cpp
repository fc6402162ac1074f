// Rule strategies on the CPU: rule checks, the plan of indicator series (each (indicator,
// period) once), whole series for the CUDA twin, and every (symbol, rule, params) path through
// run_path on its pair's precomputed events (backtest_rule_events.cpp).
#include "no_fp_contract.h"  // round as the TypeScript reference (see backtest.cpp)

#include "backtest_rules.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "backtest_path.h"
#include "backtest_sources.h"
#include "backtest_trace.h"
#include "plain_indicators.h"
#include "thread_pool.h"

namespace ntp {

void check_rules(const RuleSpec* rules, std::size_t R) {
  if (R == 0) throw std::invalid_argument("rules must hold at least one rule (the grid is empty)");
  constexpr int32_t kMaxPeriod = 1 << 20;
  for (std::size_t i = 0; i < R; ++i) {
    const RuleSpec& r = rules[i];
    const std::string at = "rules[" + std::to_string(i) + "]";
    if (r.kind < 0 || r.kind >= kRuleKindCount)
      throw std::invalid_argument(at + ".kind = " + std::to_string(r.kind) + " must be 0 (emaCross), 1 (smaCross) or 2 (rsi)");
    if (r.fast < 1 || r.fast > kMaxPeriod)
      throw std::invalid_argument(at + (r.kind == kRuleRsi ? ".period" : ".fast") + " = " + std::to_string(r.fast) +
                                  " must be an integer in [1, " + std::to_string(kMaxPeriod) + "]");
    if (r.kind != kRuleRsi && (r.slow <= r.fast || r.slow > kMaxPeriod))
      throw std::invalid_argument(at + ".slow = " + std::to_string(r.slow) + " must be an integer in (fast = " +
                                  std::to_string(r.fast) + ", " + std::to_string(kMaxPeriod) + "]");
    if (r.kind == kRuleRsi && !(r.lower >= 0 && r.lower < r.upper && r.upper <= 100))
      throw std::invalid_argument(at + ".lower/upper = " + std::to_string(r.lower) + "/" + std::to_string(r.upper) +
                                  " must satisfy 0 <= lower < upper <= 100");
  }
}

RuleSeries plan_rule_series(const RuleSpec* rules, std::size_t R) {
  check_rules(rules, R);
  // Distinct (indicator, period) pairs; indicator: 0 EMA, 1 SMA, 2 RSI (= the rule kind).
  std::map<std::pair<int32_t, int32_t>, int32_t> ids;
  RuleSeries rs;
  const auto id_of = [&](int32_t ind, int32_t period) {
    auto [it, inserted] = ids.emplace(std::make_pair(ind, period), static_cast<int32_t>(rs.list.size()));
    if (inserted) rs.list.emplace_back(ind, period);
    return it->second;
  };
  rs.first.resize(R);
  rs.second.resize(R);
  for (std::size_t i = 0; i < R; ++i) {
    rs.first[i] = id_of(rules[i].kind, rules[i].fast);
    rs.second[i] = rules[i].kind == kRuleRsi ? -1 : id_of(rules[i].kind, rules[i].slow);
  }
  rs.unique = rs.list.size();
  return rs;
}

void fill_rule_series(const BacktestSymbol& symbol, const RuleSeries& plan, double* out) {
  const std::size_t n = symbol.candles.length;
  const double* x = symbol.candles.close;
  parallel_for(plan.unique, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t u = begin; u < end; ++u) {
      const auto [ind, period] = plan.list[u];
      double* y = out + u * n;
      if (ind == kRuleEmaCross) ema_series(x, n, period, y);
      else if (ind == kRuleSmaCross) sma_series(x, n, period, y);
      else rsi_series(x, n, period, y);
    }
  });
}

RuleSeries compute_rule_series(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R) {
  RuleSeries rs = plan_rule_series(rules, R);
  rs.symbol_offset.resize(S);
  std::size_t total = 0;
  for (std::size_t s = 0; s < S; ++s) {
    rs.symbol_offset[s] = total;
    total += rs.unique * symbols[s].candles.length;
  }
  rs.data.resize(total);
  for (std::size_t s = 0; s < S; ++s) fill_rule_series(symbols[s], rs, rs.data.data() + rs.symbol_offset[s]);
  return rs;
}

namespace {

// Runs path (s, r, p) on the pair's precomputed decided signals.
template <class Sink>
void run_rule_path(const BacktestSymbol& sym, const std::vector<int32_t>& events, const bt::PathParams& params,
                   double* metrics, Sink& sink, int8_t* signals) {
  const Candles& c = sym.candles;
  const long n = static_cast<long>(c.length);
  const bt::EventListSource src{events.data(), events.data() + events.size()};
  bt::run_path(bt::Bars{c.open, c.high, c.low, c.close, n}, src, params, sym.bars_per_year, metrics, sink);
  if (signals) {
    std::fill(signals, signals + n, int8_t{0});
    for (const int32_t e : events) signals[bt::event_bar(e)] = static_cast<int8_t>(bt::event_side(e));
  }
}

}  // namespace

void backtest_rules(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R,
                    const bt::PathParams* params, std::size_t P, double* metrics, const TraceRequest* trace,
                    InputCheck input_check) {
  if (input_check == InputCheck::kRun) {
    check_backtest_common(symbols, S, params, P);
    check_trace(trace, S * R * P, symbols, S);
  }
  const RuleEvents ev = compute_rule_events(symbols, S, rules, R);
  const auto split = [R, P](std::size_t path) { return std::make_tuple(path / (R * P), path / P, path % P); };
  if (metrics) {
    parallel_for(S * R * P, 4, [&](std::size_t begin, std::size_t end) {
      for (std::size_t path = begin; path < end; ++path) {
        const auto [s, pair, p] = split(path);
        bt::NoTrace none;
        run_rule_path(symbols[s], ev.lists[pair], params[p], metrics + path * bt::kMetricCount, none, nullptr);
      }
    }, kPathChunksPerThread);
  }
  if (trace && trace->count > 0) {
    parallel_for(trace->count, 1, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        const auto [s, pair, p] = split(static_cast<std::size_t>(trace->paths[i]));
        bt::TraceSink sink{trace->trades + i * trace->stride * bt::kTradeFields, trace->stride, 0,
                           trace->equity ? trace->equity + i * trace->stride : nullptr};
        double m[bt::kMetricCount];
        run_rule_path(symbols[s], ev.lists[pair], params[p], m, sink, trace->signals ? trace->signals + i * trace->stride : nullptr);
        trace->trade_counts[i] = sink.count;
      }
    });
  }
}

}  // namespace ntp
