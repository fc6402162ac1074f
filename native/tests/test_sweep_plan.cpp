// The sweep launch plan (core/sweep_plan.h): packing (every path in exactly one slot, launches
// within their size, lane groups never mixing two rules), chunking (contiguous launches, devices
// in turn, each symbol uploaded before and released after its use), and result placement: the
// plan run by the CPU engine equals backtest_rules / backtest_signals path by path, bit for bit,
// whatever the launch size, lane group, device count and windows. With a GPU, the CUDA engine
// runs the same plans within 1e-9.
#include "../core/no_fp_contract.h"  // the test's own reference runs round as the engine does

#include <atomic>
#include <cmath>
#include <set>
#include <vector>

#include "../core/backtest/backtest.h"
#include "../core/backtest/backtest_rules.h"
#include "../core/backtest/rule_event_jobs.h"
#include "../core/backtest/sweep_plan.h"
#include "../core/backtest/sweep_run.h"
#include "../core/thread_pool.h"
#include "../cuda/cuda_api.h"
#include "check.h"
#include "cuda_guard.h"
#include "synthetic_candles.h"

using namespace ntp;

namespace {

const std::vector<sweep::Limits> kLimits = {
    {1, 1, 1}, {7, 1, 1}, {33, 1, 2}, {64, 4, 3}, {100, 32, 1}, {1000, 32, 2}, {std::size_t{1} << 18, 32, 1},
};

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// Every property of one plan over paths [begin, end) of `shape` (stops at the first failure).
void check_plan(const sweep::Shape& shape, const sweep::Limits& lim, uint64_t begin, uint64_t end) {
  const sweep::Plan plan = sweep::plan_sweep(shape, lim, begin, end);
  const uint64_t R = shape.rules, P = shape.params, S = shape.bars.size(), G = plan.limits.lane_group;
  CHECK(G == lim.lane_group || G == 1);
  if (G > 1) CHECK((P + G - 1) / G * G * 8 <= P * 9);  // padding idles at most 1/8 of the slots
  std::vector<int> hits(end - begin, 0);
  std::vector<std::set<uint32_t>> resident(lim.devices);
  CHECK(!plan.launches.empty());
  CHECK(plan.launches.front().path_begin == begin && plan.launches.back().path_end == end);
  for (std::size_t i = 0; i < plan.launches.size(); ++i) {
    const sweep::Launch& l = plan.launches[i];
    CHECK(l.device == i % lim.devices);
    if (i > 0) CHECK(l.path_begin == plan.launches[i - 1].path_end);
    CHECK(l.slots <= lim.launch_slots && l.unit_begin < l.unit_end);
    // With lane groups of 1 every launch but the last is full.
    if (G == 1 && i + 1 < plan.launches.size()) CHECK(l.slots == lim.launch_slots);
    for (const uint32_t s : l.upload) CHECK(resident[l.device].insert(s).second);
    double combos = 0;
    for (std::size_t u = l.unit_begin; u < l.unit_end; ++u) CHECK(resident[l.device].count(plan.units[u].symbol) == 1);
    const sweep::Unit* units = plan.units.data() + l.unit_begin;
    const std::size_t count = l.unit_end - l.unit_begin;
    uint64_t group_key = ~uint64_t{0};
    for (uint64_t slot = 0; slot < l.slots; ++slot) {
      const sweep::SlotTarget t = sweep::locate_slot(units, count, slot, P, G);
      if (slot % G == 0 || G == 1) group_key = ~uint64_t{0};
      if (!t.used) continue;
      CHECK(t.path >= l.path_begin && t.path < l.path_end);
      CHECK(t.path == (t.symbol * R + t.rule) * P + t.param && t.symbol < S);
      ++hits[t.path - begin];
      combos += static_cast<double>(shape.bars[t.symbol]);
      const uint64_t key = t.symbol * R + t.rule;  // one (symbol, rule) per lane group
      if (group_key == ~uint64_t{0}) group_key = key;
      CHECK(group_key == key);
    }
    CHECK(combos == l.bar_combos);
    for (const uint32_t s : l.release) CHECK(resident[l.device].erase(s) == 1);
  }
  for (const auto& r : resident) CHECK(r.empty());
  for (const int h : hits) CHECK(h == 1);
}

// Candles of uneven lengths; rules of every strategy; risk sets that trade differently.
struct Grid {
  std::vector<test::OwnedCandles> candles = {test::random_candles(3001, 41), test::random_candles(1200, 42),
                                             test::random_candles(64, 43)};
  std::vector<BacktestSymbol> symbols;
  std::vector<RuleSpec> rules = {{rule_kind<EmaCross>(), {3, 9}},          {rule_kind<EmaCross>(), {12, 40}},
                                 {rule_kind<SmaCross>(), {5, 30}},         {rule_kind<SmaCross>(), {2, 3}},
                                 {rule_kind<RsiReversal>(), {14, 30, 70}}, {rule_kind<RsiReversal>(), {5, 45, 55}},
                                 {rule_kind<MacdCross>(), {5, 13, 4}},     {rule_kind<BollingerBreakout>(), {20, 1.5}}};
  std::vector<bt::PathParams> params;
  std::vector<std::vector<int8_t>> side;
  std::vector<std::vector<double>> stop, t1, t2, t3, size;
  std::vector<SignalColumns> signals;
  Grid() {
    for (auto& k : candles) symbols.push_back({k.view(), 8760});
    // 30 risk sets: lane groups of 4 and 32 pad each rule's row to 32 slots, two of them idle.
    for (int i = 0; i < 30; ++i) {
      bt::PathParams p;
      p.fee = 0.0005 * (i % 3);
      p.slip = 0.0002 * (i % 2);
      p.max_hold = (i % 4) * 12;
      p.stop_override = 0.01 + 0.01 * (i % 5);
      const double t = 0.01 * (i % 4 + 1);
      p.target_override[0] = t; p.target_override[1] = 2 * t; p.target_override[2] = 4 * t;
      if (i % 7 == 3) p.flags |= bt::kOptimistic;
      if (i % 13 == 4) p.risk_fraction = 30;  // liquidations
      params.push_back(p);
    }
    for (const auto& k : candles) {
      const std::size_t n = k.c.size();
      side.emplace_back(n, 0);
      for (std::size_t t = 2; t < n; t += 11 + t % 7) side.back()[t] = t % 3 ? 1 : -1;
      stop.emplace_back(n, 0.03); t1.emplace_back(n, 0.01); t2.emplace_back(n, 0.02); t3.emplace_back(n, 0.05);
      size.emplace_back(n, 0.8);
    }
    for (std::size_t s = 0; s < candles.size(); ++s) {
      SignalColumns g;
      g.side = side[s].data(); g.stop = stop[s].data(); g.size = size[s].data();
      g.target[0] = t1[s].data(); g.target[1] = t2[s].data(); g.target[2] = t3[s].data();
      signals.push_back(g);
    }
  }
  SweepInputs inputs(bool with_rules) const {
    SweepInputs in;
    in.symbols = symbols.data();
    in.S = symbols.size();
    if (with_rules) {
      in.rules = rules.data();
      in.R = rules.size();
    } else {
      in.signals = signals.data();
    }
    in.params = params.data();
    in.P = params.size();
    return in;
  }
};

// The grid's metrics from today's engines (one call over every path).
std::vector<double> direct(const Grid& g, bool rules) {
  const SweepInputs in = g.inputs(rules);
  std::vector<double> m(sweep_shape(in).paths() * bt::kMetricCount);
  if (rules) backtest_rules(in.symbols, in.S, in.rules, in.R, in.params, in.P, m.data(), nullptr);
  else backtest_signals(in.symbols, in.signals, in.S, in.params, in.P, m.data(), nullptr);
  return m;
}

// The whole grid through planned windows [cuts[i], cuts[i + 1]), each into its part of `out`.
template <class Engine>
std::vector<double> planned(const Grid& g, bool rules, const sweep::Limits& lim, const std::vector<uint64_t>& cuts,
                            Engine engine, uint64_t& reported) {
  const SweepInputs in = g.inputs(rules);
  const sweep::Shape shape = sweep_shape(in);
  std::vector<double> out(shape.paths() * bt::kMetricCount, -12345.0);
  std::atomic<uint64_t> done{0};  // told from one thread per GPU
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    const sweep::Plan plan = sweep::plan_sweep(shape, lim, cuts[i], cuts[i + 1]);
    engine(in, plan, out.data() + cuts[i] * bt::kMetricCount, [&done](uint64_t n) { done += n; });
  }
  reported = done;
  return out;
}

}  // namespace

TEST_CASE(plans_cover_every_path_once_in_launches_that_fit) {
  const sweep::Shape shapes[] = {{{50, 70, 30}, 5, 7}, {{10}, 1, 1},  {{100, 3}, 1, 40}, {{20, 20, 20, 20}, 9, 1},
                                 {{5, 6}, 3, 33},       {{7, 9}, 4, 64}, {{3}, 2, 36},     {{4, 4}, 3, 250}};
  int plans = 0, padded = 0;
  for (const sweep::Shape& shape : shapes) {
    const uint64_t n = shape.paths();
    for (const sweep::Limits& lim : kLimits)
      for (const auto& [b, e] : std::vector<std::pair<uint64_t, uint64_t>>{{0, n}, {n / 3, n - n / 5}, {n - 1, n}, {0, 1}}) {
        if (b >= e) continue;
        const int before = test::failures();
        check_plan(shape, lim, b, e);
        padded += sweep::plan_sweep(shape, lim, b, e).limits.lane_group > 1;
        if (test::failures() != before) {
          std::fprintf(stderr, "  plan of %zu symbols x %zu x %zu, launch %zu, lanes %zu, devices %zu, window [%llu, %llu)\n",
                       shape.bars.size(), shape.rules, shape.params, lim.launch_slots, lim.lane_group, lim.devices,
                       static_cast<unsigned long long>(b), static_cast<unsigned long long>(e));
          return;
        }
        ++plans;
      }
  }
  CHECK(plans > 100 && padded > 10);
}

TEST_CASE(large_grids_pack_units_into_few_launches) {
  // 100 symbols x 200 rules x 50 risk sets (the GPU bench's fill grid): 1e6 paths in four launches
  // of up to 2^18 slots, unpadded (64 lanes for 50 risk sets would idle 22% of them); every symbol
  // uploaded once per GPU, plus once more for each launch edge inside a symbol.
  const sweep::Shape shape{std::vector<std::size_t>(100, 10000), 200, 50};
  const sweep::Plan plan = sweep::plan_sweep(shape, {std::size_t{1} << 18, 32, 2}, 0, shape.paths());
  CHECK(plan.launches.size() == 4 && plan.limits.lane_group == 1);
  // 256 risk sets pad to whole warps: 2 symbols x 10 rules x 256 = one launch of 5120 slots.
  const sweep::Plan warps = sweep::plan_sweep({{500, 500}, 10, 256}, {std::size_t{1} << 18, 32, 1}, 0, 5120);
  CHECK(warps.limits.lane_group == 32 && warps.launches.size() == 1 && warps.launches[0].slots == 5120);
  std::size_t uploads = 0;
  for (const auto& l : plan.launches) uploads += l.upload.size();
  CHECK(uploads <= 100 + plan.launches.size());
  // Small grids go in one launch however many symbols: the default sweep's 9 paths x 30 symbols.
  const sweep::Plan small = sweep::plan_sweep({std::vector<std::size_t>(30, 5000), 9, 1}, {std::size_t{1} << 18, 1, 1}, 0, 270);
  CHECK(small.launches.size() == 1 && small.units.size() == 30);
}

TEST_CASE(event_lists_of_several_symbols_equal_each_symbol_alone) {
  // Symbols in any order, one twice, with different rule ranges (a window's edge cuts one
  // symbol's rules), on 4 threads (calls of up to 4 symbols): the lists equal
  // compute_rule_events run on that symbol and range alone.
  const Grid g;
  const SweepInputs in = g.inputs(true);
  const std::vector<std::pair<uint32_t, uint32_t>> ranges = {{0, 8}, {3, 7}, {0, 8}};
  const std::vector<uint32_t> symbols = {2, 1, 0, 2};
  set_thread_count(4);
  const std::vector<SymbolEvents> got = rule_events_of(in, symbols, ranges);
  set_thread_count(0);
  CHECK(got.size() == symbols.size());
  std::size_t events = 0;
  for (std::size_t k = 0; k < symbols.size(); ++k) {
    const auto [lo, hi] = ranges[symbols[k]];
    const RuleEvents alone = compute_rule_events(in.symbols + symbols[k], 1, in.rules + lo, hi - lo);
    CHECK(got[k].rule_lo == lo && got[k].offsets.size() == hi - lo + 1);
    for (uint32_t r = 0; r < hi - lo; ++r) {
      const std::vector<int32_t> list(got[k].events.begin() + got[k].offsets[r], got[k].events.begin() + got[k].offsets[r + 1]);
      CHECK(list == alone.lists[r]);
      events += list.size();
    }
  }
  CHECK(events > 100);  // the rules do decide on these candles
}

// The event jobs (rule_event_jobs.h) run on the host as the GPU runs them, a job at a time, with
// a scratch limit that splits the symbols into groups.
std::vector<SymbolEvents> events_by_jobs(const SweepInputs& in, const std::vector<uint32_t>& symbols,
                                         const std::vector<std::pair<uint32_t, uint32_t>>& ranges, uint64_t max_scratch,
                                         std::size_t& groups) {
  const RuleSeries series = plan_rule_series(in.rules, in.R);
  const std::vector<EventJobs> plan = plan_event_jobs(in, series, symbols, ranges, max_scratch);
  groups = plan.size();
  std::vector<SymbolEvents> out;
  for (const EventJobs& g : plan) {
    std::vector<JobSymbol> syms;
    for (const uint32_t s : g.symbols) syms.push_back({in.symbols[s].candles.close, static_cast<long>(in.symbols[s].candles.length)});
    std::vector<double> scratch(g.scratch, -1.0);
    for (const SeriesJob& j : g.series) run_series_job(j, syms.data(), scratch.data());
    std::vector<uint64_t> counts;
    for (const RuleJob& j : g.rules) counts.push_back(count_rule_job(j, syms.data(), scratch.data()));
    for (std::size_t k = 0; k < g.symbols.size(); ++k) {
      SymbolEvents ev;
      ev.rule_lo = g.rule_lo[k];
      ev.offsets = event_offsets(g, k, counts.data());
      ev.events.resize(ev.offsets.back());
      for (std::size_t j = g.first_rule_job[k]; j < g.first_rule_job[k + 1]; ++j)
        write_rule_job(g.rules[j], syms.data(), scratch.data(), ev.events.data() + ev.offsets[j - g.first_rule_job[k]]);
      out.push_back(std::move(ev));
    }
  }
  return out;
}

// The grid's rules and one whose warm-up (130) is past the first word; symbol 2 has one rule,
// symbol 1 six, symbol 0 all.
struct EventGrid {
  Grid g;
  std::vector<RuleSpec> rules = g.rules;
  SweepInputs in = g.inputs(true);
  const std::vector<std::pair<uint32_t, uint32_t>> ranges = {{0, 9}, {3, 9}, {5, 6}};
  const std::vector<uint32_t> symbols = {2, 1, 0, 2};
  EventGrid() {
    rules.push_back({rule_kind<SmaCross>(), {10, 130}});
    in.rules = rules.data();
    in.R = rules.size();
  }
};

TEST_CASE(event_jobs_give_the_cpu_engines_lists) {
  // Every strategy, symbols in any order with different rule ranges, a warm-up past
  // the first word, and two scratch limits: one that puts each symbol in a group of its own
  // (the longest needs more than the limit alone), and none. The lists equal the CPU
  // engine's, offsets and events.
  const EventGrid e;
  const std::vector<SymbolEvents> want = rule_events_of(e.in, e.symbols, e.ranges);
  for (const uint64_t limit : {uint64_t{2 * 3001}, uint64_t{1} << 30}) {
    std::size_t groups = 0;
    const std::vector<SymbolEvents> got = events_by_jobs(e.in, e.symbols, e.ranges, limit, groups);
    CHECK(groups == (limit > 100000 ? 1u : 4u));
    CHECK(got.size() == want.size());
    for (std::size_t k = 0; k < got.size() && k < want.size(); ++k)
      CHECK(got[k].rule_lo == want[k].rule_lo && got[k].offsets == want[k].offsets && got[k].events == want[k].events);
  }
  // The rules do decide on these candles, the late one included.
  CHECK(want[2].events.size() > 100 && want[2].offsets[9] > want[2].offsets[8] && want[0].offsets.size() == 2);
}

TEST_CASE(cuda_event_lists_equal_the_cpu_engines) {
  // The jobs on the GPU (cuda/sweep_events.cu): the same lists, bit for bit, as the CPU engine's
  // (the series and conditions compiled without FMA contraction there too).
  NTP_CUDA_OR_SKIP();
#ifdef NTP_HAVE_CUDA
  const EventGrid e;
  const std::vector<SymbolEvents> want = rule_events_of(e.in, e.symbols, e.ranges);
  const std::vector<SymbolEvents> got = cuda::rule_events_of(e.in, e.symbols, e.ranges);
  CHECK(got.size() == want.size());
  for (std::size_t k = 0; k < got.size() && k < want.size(); ++k)
    CHECK(got[k].rule_lo == want[k].rule_lo && got[k].offsets == want[k].offsets && got[k].events == want[k].events);
#endif
}

TEST_CASE(cuda_launches_give_every_gpu_a_full_ring) {
  // ntp sweep's window of 2^19 paths: one GPU gets three launches of a third each (whole warps),
  // eight GPUs launches of the 2^16 floor, eight of them, one each; big windows stop at 2^18.
  CHECK(sweep::cuda_launch_slots(uint64_t{1} << 19, 1) == 174784);
  CHECK(sweep::cuda_launch_slots(uint64_t{1} << 19, 8) == sweep::kCudaMinLaunch);
  CHECK(sweep::cuda_launch_slots(uint64_t{1} << 24, 1) == sweep::kCudaMaxLaunch);
  CHECK(sweep::cuda_launch_slots(9, 0) == sweep::kCudaMinLaunch);
  const sweep::Shape shape{std::vector<std::size_t>(100, 10000), 200, 50};
  const uint64_t window = uint64_t{1} << 19;
  for (const std::size_t gpus : {std::size_t{1}, std::size_t{2}, std::size_t{8}}) {
    const sweep::Plan plan = sweep::plan_sweep(shape, {sweep::cuda_launch_slots(window, gpus), sweep::kWarp, gpus}, 0, window);
    std::vector<std::size_t> per_gpu(gpus, 0);
    for (const auto& l : plan.launches) per_gpu[l.device] += 1;
    for (const std::size_t n : per_gpu) CHECK(n >= std::min<std::size_t>(sweep::kCudaRing, window / sweep::kCudaMinLaunch / gpus));
  }
}

TEST_CASE(bad_plans_are_refused) {
  const sweep::Shape shape{{10, 10}, 2, 3};
  CHECK_THROWS(sweep::plan_sweep(shape, {16, 32, 1}, 0, 12));  // launch smaller than a lane group
  CHECK_THROWS(sweep::plan_sweep(shape, {16, 1, 0}, 0, 12));   // no device
  CHECK_THROWS(sweep::plan_sweep(shape, {16, 1, 1}, 5, 5));    // empty window
  CHECK_THROWS(sweep::plan_sweep(shape, {16, 1, 1}, 0, 13));   // beyond the grid
  CHECK_THROWS(sweep::plan_sweep({{}, 2, 3}, {16, 1, 1}, 0, 1));
}

TEST_CASE(planned_cpu_runs_equal_todays_engines_path_by_path) {
  const Grid g;
  for (const bool rules : {true, false}) {
    const std::vector<double> want = direct(g, rules);
    const uint64_t n = want.size() / bt::kMetricCount;
    long trades = 0;
    for (uint64_t q = 0; q < n; ++q) trades += static_cast<long>(want[q * bt::kMetricCount + bt::kMTrades]);
    CHECK(trades > 1000);
    int padded = 0;
    for (const sweep::Limits& lim : kLimits)
      for (const auto& cuts : std::vector<std::vector<uint64_t>>{{0, n}, {0, 1, n / 2 + 3, n - 4, n}}) {
        padded += sweep::plan_sweep(sweep_shape(g.inputs(rules)), lim, 0, n).limits.lane_group > 1;
        uint64_t reported = 0;
        const auto cpu = [](const SweepInputs& in, const sweep::Plan& plan, double* out, const SweepProgress& progress) {
          run_sweep(in, plan, out, progress);
        };
        const std::vector<double> got = planned(g, rules, lim, cuts, cpu, reported);
        CHECK(reported == n);
        for (std::size_t i = 0; i < want.size(); ++i) CHECK(same(got[i], want[i]));
      }
    CHECK(padded >= 6);  // the padded layouts were run, not only the dense ones
  }
}

TEST_CASE(cuda_runs_the_same_plans_within_1e9) {
  NTP_CUDA_OR_SKIP();
#ifdef NTP_HAVE_CUDA
  const Grid g;
  const std::size_t gpus = static_cast<std::size_t>(device_info().device_count);
  for (const bool rules : {true, false}) {
    const std::vector<double> want = direct(g, rules);
    const uint64_t n = want.size() / bt::kMetricCount;
    // Tiny launches: many in flight through the upload / kernel / download ring.
    for (const sweep::Limits& lim : std::vector<sweep::Limits>{{32, 32, 1}, {96, 32, gpus}, {std::size_t{1} << 18, 32, gpus}}) {
      uint64_t reported = 0;
      const auto gpu = [](const SweepInputs& in, const sweep::Plan& plan, double* out, const SweepProgress& progress) {
        cuda::run_sweep(in, plan, out, progress);
      };
      const std::vector<double> got = planned(g, rules, lim, {0, n / 3, n}, gpu, reported);
      CHECK(reported == n);
      for (uint64_t q = 0; q < n; ++q) {
        CHECK(got[q * bt::kMetricCount + bt::kMTrades] == want[q * bt::kMetricCount + bt::kMTrades]);
        for (int m = 0; m < bt::kMetricCount; ++m)
          CHECK_CLOSE(got[q * bt::kMetricCount + m], want[q * bt::kMetricCount + m], 1e-9);
      }
    }
  }
#endif
}

NTP_TEST_MAIN
