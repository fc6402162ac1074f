// A sweep window run from its launch plan (sweep_plan.h): the CPU engine here, the CUDA one in
// cuda/sweep.cu (cuda_api.h). Both read a rule's decided signals from event lists, computed per
// symbol when a device first uses it (a launch's new symbols together: here by rule_events_of,
// on the GPU by the jobs of rule_event_jobs.h, the same lists), and run every path through
// run_path, so a planned sweep equals backtest_rules / backtest_signals path by path.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "backtest.h"
#include "sweep_plan.h"

namespace ntp {

// The grid: signal sweeps give `signals` (one per symbol, R = 1), rule sweeps `rules`. Checked
// by the caller (check_backtest_common, check_rules / check_signal_columns).
struct SweepInputs {
  const BacktestSymbol* symbols = nullptr;
  std::size_t S = 0;
  const SignalColumns* signals = nullptr;
  const RuleSpec* rules = nullptr;
  std::size_t R = 1;
  const bt::PathParams* params = nullptr;
  std::size_t P = 0;
};

sweep::Shape sweep_shape(const SweepInputs& in);

// Per symbol, the rules [first, second) the plan's units use (first == second: unused).
std::vector<std::pair<uint32_t, uint32_t>> plan_rule_ranges(const sweep::Plan& plan);

// One symbol's decided signals for rules [rule_lo, rule_lo + offsets.size() - 1): rule
// rule_lo + k owns events[offsets[k], offsets[k + 1]) (bt::encode_event, sorted by bar).
struct SymbolEvents {
  uint32_t rule_lo = 0;
  std::vector<uint64_t> offsets;
  std::vector<int32_t> events;
};
// The event lists of `symbols`, symbol k for its rules ranges[symbols[k]] (plan_rule_ranges),
// computed in one parallel pass: with a symbol per task each symbol's series serve all its
// rules, where a symbol alone is split by rules over the threads, each recomputing the series
// its rules read.
std::vector<SymbolEvents> rule_events_of(const SweepInputs& in, const std::vector<uint32_t>& symbols,
                                         const std::vector<std::pair<uint32_t, uint32_t>>& ranges);

// Told the paths of each launch as it finishes (by the CUDA engine from any of its threads).
using SweepProgress = std::function<void(uint64_t paths)>;

// Runs the plan's launches in order on the CPU threads; path q's metrics go to
// metrics[(q - plan.path_begin) * bt::kMetricCount]. Devices of a multi-device plan are
// simulated one after another (each keeps its own uploaded symbols), which checks the plan's
// uploads and releases.
void run_sweep(const SweepInputs& in, const sweep::Plan& plan, double* metrics, const SweepProgress& progress = {});

}  // namespace ntp
