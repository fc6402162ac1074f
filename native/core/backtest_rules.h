// Indicator series for rule strategies, computed once per (symbol, indicator, period) and
// shared by every path that uses them (CPU engine and CUDA twin alike).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "backtest.h"

namespace ntp {

struct RuleSeries {
  std::size_t unique = 0;                 // U distinct (indicator, period) series
  std::vector<std::size_t> symbol_offset;  // start of symbol s's U series in `data` (each n_s long)
  std::vector<int32_t> first, second;      // per rule: series ids (second = -1 for RSI)
  std::vector<double> data;
  const double* series(std::size_t s, int32_t id, std::size_t n) const {
    return data.data() + symbol_offset[s] + static_cast<std::size_t>(id) * n;
  }
};

// Checks the rules, then computes every series they need on the closes (parallel over
// symbol x series).
RuleSeries compute_rule_series(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R);

// Decided sides of every (symbol, rule) as up/down bitsets (bt::MaskSource), computed once
// and shared by all parameter sets of that pair.
struct RuleEvents {
  std::vector<std::size_t> offset;  // start of pair (s, r)'s words in up/down, index s * R + r
  std::vector<uint64_t> up, down;
};
RuleEvents compute_rule_events(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R,
                               const RuleSeries& series);

// First bar whose decided signal can be non-zero (the indicators are defined at t-1 and t).
inline long rule_warmup(const RuleSpec& r) { return r.kind == kRuleRsi ? r.fast + 1 : r.slow; }

}  // namespace ntp
