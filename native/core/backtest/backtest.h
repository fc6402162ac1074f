// Vectorized backtest engine (SPEC §9): S symbols x P parameter sets (x R rules for rule
// strategies) x N bars, every path independent and simulated by the one state machine in
// backtest_step.h. Summary metrics are streamed per path; trade logs, equity curves and the
// decided signals are written only for the paths a TraceRequest names.
#pragma once
#include <cstddef>
#include <cstdint>

#include "backtest_step.h"
#include "backtest_strategies.h"
#include "../data/candles.h"

namespace ntp {

// One symbol: its candles and how many of its bars make a year (annualises the metrics).
struct BacktestSymbol {
  Candles candles;
  double bars_per_year = 8760;
};

// Decided signals of one symbol, columnar (src/signals/types.ts SignalArrays). Index t is the
// decision at the close of bar t.
struct SignalColumns {
  const int8_t* side = nullptr;          // +1, -1, 0
  const double* stop = nullptr;          // stop distance, > 0 (inf: no stop) where side != 0
  const double* target[3] = {nullptr, nullptr, nullptr};  // > 0, non-decreasing (inf: none)
  const double* size = nullptr;          // [0, 1]
};

// Optional per-path outputs. Paths are numbered as in the metrics output. Each traced path
// gets `stride` slots (>= the longest symbol): at most one trade can open per bar.
struct TraceRequest {
  const int32_t* paths = nullptr;
  std::size_t count = 0;
  std::size_t stride = 0;
  double* trades = nullptr;         // [count, stride, bt::kTradeFields]
  int32_t* trade_counts = nullptr;  // [count]
  double* equity = nullptr;         // [count, stride] marked equity at each close; may be null
  int8_t* signals = nullptr;        // [count, stride] the decided sides; may be null
};

// Whether an engine checks its arguments (the check_* functions below) before it runs. The
// binding checks them on the JS thread before it queues a job, so its jobs skip them.
enum class InputCheck { kRun, kAlreadyDone };

// Signal strategies: path = s * P + p; metrics is [S * P, bt::kMetricCount].
void backtest_signals(const BacktestSymbol* symbols, const SignalColumns* signals, std::size_t S,
                      const bt::PathParams* params, std::size_t P, double* metrics,
                      const TraceRequest* trace, InputCheck input_check = InputCheck::kRun);

// Rule strategies (the table of backtest_strategies.h, evaluated on the closes; TypeScript twin
// src/backtest/strategies/): path = (s * R + r) * P + p; metrics is [S * R * P, bt::kMetricCount].
// A rule's signals carry no stop, targets or size of their own: size 1, and stop/targets
// from each path's overrides (none when those are NaN).
void backtest_rules(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules,
                    std::size_t R, const bt::PathParams* params, std::size_t P, double* metrics,
                    const TraceRequest* trace, InputCheck input_check = InputCheck::kRun);

// Bars per symbol must stay below this (bar indices are int32, and rule events store 2 * bar).
constexpr std::size_t kMaxBacktestBars = std::size_t{1} << 30;

// Paths differ in cost (how often they trade), so the engines hand them to threads in many
// small contiguous chunks: threads stay busy to the end and neighbours share a symbol's bars.
constexpr std::size_t kPathChunksPerThread = 32;

// Argument checks shared with the CUDA twins and called by the binding before any job runs;
// throw std::invalid_argument naming the field, the bad value and what is allowed
// (DataError for bad candles).
void check_backtest_common(const BacktestSymbol* symbols, std::size_t S, const bt::PathParams* params,
                           std::size_t P);
void check_signal_columns(const SignalColumns* signals, const BacktestSymbol* symbols, std::size_t S);
void check_rules(const RuleSpec* rules, std::size_t R);
void check_trace(const TraceRequest* trace, std::size_t paths, const BacktestSymbol* symbols,
                 std::size_t S);

}  // namespace ntp
