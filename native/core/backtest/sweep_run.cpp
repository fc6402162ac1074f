// CPU engine of a planned sweep: each launch's slots in parallel, every path through run_path on
// its symbol's event lists (rules) or signal arrays, written at its place in path order.
#include "../no_fp_contract.h"  // round as the TypeScript reference (see backtest.cpp)

#include "sweep_run.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "backtest_path.h"
#include "backtest_rules.h"
#include "backtest_sources.h"
#include "../thread_pool.h"

namespace ntp {

sweep::Shape sweep_shape(const SweepInputs& in) {
  sweep::Shape shape;
  for (std::size_t s = 0; s < in.S; ++s) shape.bars.push_back(in.symbols[s].candles.length);
  shape.rules = in.rules ? in.R : 1;
  shape.params = in.P;
  return shape;
}

std::vector<std::pair<uint32_t, uint32_t>> plan_rule_ranges(const sweep::Plan& plan) {
  std::vector<std::pair<uint32_t, uint32_t>> ranges(plan.shape.bars.size(), {0, 0});
  for (const sweep::Unit& u : plan.units) {
    auto& [lo, hi] = ranges[u.symbol];
    const uint32_t end = u.rule_begin + u.rule_count;
    if (lo == hi) ranges[u.symbol] = {u.rule_begin, end};
    else ranges[u.symbol] = {std::min(lo, u.rule_begin), std::max(hi, end)};
  }
  return ranges;
}

std::vector<SymbolEvents> rule_events_of(const SweepInputs& in, const std::vector<uint32_t>& symbols,
                                         const std::vector<std::pair<uint32_t, uint32_t>>& ranges) {
  std::vector<SymbolEvents> out(symbols.size());
  // Symbols of one rule range (a plan gives most symbols the same), as many per call as there
  // are threads: each thread then takes one symbol with all its rules, and the call's lists
  // (freed before the next) stay small.
  const std::size_t per_call = std::max<std::size_t>(1, thread_count());
  std::vector<char> done(symbols.size(), 0);
  for (std::size_t first = 0; first < symbols.size(); ++first) {
    if (done[first]) continue;
    const std::pair<uint32_t, uint32_t> range = ranges[symbols[first]];
    const auto [lo, hi] = range;
    const std::size_t R = hi - lo;
    std::vector<std::size_t> group;
    std::vector<BacktestSymbol> batch;
    for (std::size_t k = first; k < symbols.size() && group.size() < per_call; ++k)
      if (!done[k] && ranges[symbols[k]] == range) {
        done[k] = 1;
        group.push_back(k);
        batch.push_back(in.symbols[symbols[k]]);
      }
    const RuleEvents ev = compute_rule_events(batch.data(), batch.size(), in.rules + lo, R);
    for (std::size_t g = 0; g < group.size(); ++g) {
      SymbolEvents& e = out[group[g]];
      e.rule_lo = lo;
      e.offsets.reserve(R + 1);
      e.offsets.push_back(0);
      for (std::size_t r = 0; r < R; ++r) e.offsets.push_back(e.offsets.back() + ev.lists[g * R + r].size());
      e.events.reserve(e.offsets.back());
      for (std::size_t r = 0; r < R; ++r) e.events.insert(e.events.end(), ev.lists[g * R + r].begin(), ev.lists[g * R + r].end());
    }
  }
  return out;
}

void run_sweep(const SweepInputs& in, const sweep::Plan& plan, double* metrics, const SweepProgress& progress) {
  const std::size_t S = plan.shape.bars.size(), P = plan.shape.params, G = plan.limits.lane_group;
  if (S != in.S || P != in.P || plan.shape.rules != (in.rules ? in.R : 1) || (!in.rules && !in.signals))
    throw std::invalid_argument("run_sweep: the plan's shape does not match the sweep inputs");
  const auto ranges = in.rules ? plan_rule_ranges(plan) : std::vector<std::pair<uint32_t, uint32_t>>{};
  // Each device's uploaded symbols (rule sweeps: their event lists), index device * S + symbol.
  std::vector<SymbolEvents> resident(in.rules ? plan.limits.devices * S : 0);
  std::vector<char> present(plan.limits.devices * S, 0);
  for (const sweep::Launch& l : plan.launches) {
    const std::size_t home = l.device * S;
    if (in.rules) {
      std::vector<SymbolEvents> lists = rule_events_of(in, l.upload, ranges);
      for (std::size_t k = 0; k < l.upload.size(); ++k) resident[home + l.upload[k]] = std::move(lists[k]);
    }
    for (const uint32_t s : l.upload) present[home + s] = 1;
    for (std::size_t u = l.unit_begin; u < l.unit_end; ++u)
      if (!present[home + plan.units[u].symbol])
        throw std::logic_error("run_sweep: symbol " + std::to_string(plan.units[u].symbol) + " used before its upload");
    const sweep::Unit* units = plan.units.data() + l.unit_begin;
    const std::size_t unit_count = l.unit_end - l.unit_begin;
    parallel_for(l.slots, 4, [&](std::size_t begin, std::size_t end) {
      for (std::size_t slot = begin; slot < end; ++slot) {
        const sweep::SlotTarget t = sweep::locate_slot(units, unit_count, slot, P, G);
        if (!t.used) continue;
        const BacktestSymbol& sym = in.symbols[t.symbol];
        const Candles& c = sym.candles;
        const bt::Bars bars{c.open, c.high, c.low, c.close, static_cast<long>(c.length)};
        double* m = metrics + (t.path - plan.path_begin) * bt::kMetricCount;
        bt::NoTrace none;
        if (in.rules) {
          const SymbolEvents& ev = resident[home + t.symbol];
          const std::size_t k = t.rule - ev.rule_lo;
          const bt::EventListSource src{ev.events.data() + ev.offsets[k], ev.events.data() + ev.offsets[k + 1]};
          bt::run_path(bars, src, in.params[t.param], sym.bars_per_year, m, none);
        } else {
          const SignalColumns& g = in.signals[t.symbol];
          const bt::SignalSource src{g.side, g.stop, g.target[0], g.target[1], g.target[2], g.size};
          bt::run_path(bars, src, in.params[t.param], sym.bars_per_year, m, none);
        }
      }
    }, kPathChunksPerThread);
    for (const uint32_t s : l.release) {
      if (in.rules) resident[home + s] = SymbolEvents{};
      present[home + s] = 0;
    }
    if (progress) progress(l.path_end - l.path_begin);
  }
}

}  // namespace ntp
