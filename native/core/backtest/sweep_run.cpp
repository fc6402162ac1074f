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

SymbolEvents symbol_rule_events(const SweepInputs& in, uint32_t symbol, std::pair<uint32_t, uint32_t> rules) {
  const auto [lo, hi] = rules;
  const RuleEvents ev = compute_rule_events(in.symbols + symbol, 1, in.rules + lo, hi - lo);
  SymbolEvents out;
  out.rule_lo = lo;
  out.offsets.reserve(ev.lists.size() + 1);
  out.offsets.push_back(0);
  for (const auto& list : ev.lists) out.offsets.push_back(out.offsets.back() + list.size());
  out.events.reserve(out.offsets.back());
  for (const auto& list : ev.lists) out.events.insert(out.events.end(), list.begin(), list.end());
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
    for (const uint32_t s : l.upload) {
      if (in.rules) resident[home + s] = symbol_rule_events(in, s, ranges[s]);
      present[home + s] = 1;
    }
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
