// Indicator series for rule strategies, computed once per (symbol, series key) and shared by
// every path that uses them (CPU engine and CUDA twin alike).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "backtest.h"

namespace ntp {

struct RuleSeries {
  std::size_t unique = 0;                  // U distinct series
  std::vector<SeriesKey> list;             // the key of each
  std::vector<std::size_t> symbol_offset;  // start of symbol s's U series in `data` (each n_s long)
  std::vector<std::array<int32_t, kMaxRuleSeries>> ids;  // per rule: the ids of the series it reads
  std::vector<long> warmup;                // per rule: rule_warmup
  std::vector<double> data;
  const double* series(std::size_t s, int32_t id, std::size_t n) const {
    return data.data() + symbol_offset[s] + static_cast<std::size_t>(id) * n;
  }
};

// Checks the rules and assigns series ids (no data yet).
RuleSeries plan_rule_series(const RuleSpec* rules, std::size_t R);
// Computes one symbol's U series on its closes into out[U * n] (parallel over series).
void fill_rule_series(const BacktestSymbol& symbol, const RuleSeries& plan, double* out);
// Checks the rules, then computes every series they need for all symbols (the CUDA twin
// uploads them).
RuleSeries compute_rule_series(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R);

// Decided signals of every (symbol, rule) as sorted event lists (bt::encode_event), computed
// once and shared by all parameter sets of that pair (bt::EventListSource reads them).
struct RuleEvents {
  std::vector<std::vector<int32_t>> lists;  // index s * R + r
};
// Checks the rules; computes the series a chunk of bars at a time (backtest_rule_events.cpp),
// with values equal to compute_rule_series'.
RuleEvents compute_rule_events(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R);

// First bar whose decided signal can be non-zero (>= 1: the decision reads the bar before).
long rule_warmup(const RuleSpec& r);

}  // namespace ntp
