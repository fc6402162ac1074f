// Rule strategies: the plan of the indicator series their rules read (each key once, shared by
// every rule reading it) and their decided signals as event lists, shared by every path of a
// (symbol, rule).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "backtest.h"

namespace ntp {

struct RuleSeries {
  std::size_t unique = 0;       // U distinct series
  std::vector<SeriesKey> list;  // the key of each
  std::vector<std::array<int32_t, kMaxRuleSeries>> ids;  // per rule: the ids of the series it reads (-1: none)
  std::vector<long> warmup;     // per rule: rule_warmup
};

// Checks the rules and assigns series ids.
RuleSeries plan_rule_series(const RuleSpec* rules, std::size_t R);
// The distinct ids of the series rules [lo, hi) read, ascending.
std::vector<int32_t> series_read(const RuleSeries& plan, std::size_t lo, std::size_t hi);

// Decided signals of every (symbol, rule) as sorted event lists (bt::encode_event), computed
// once and shared by all parameter sets of that pair (bt::EventListSource reads them).
struct RuleEvents {
  std::vector<std::vector<int32_t>> lists;  // index s * R + r
};
// Checks the rules; computes the series a chunk of bars at a time (backtest_rule_events.cpp),
// with the values of fill_series (backtest_series.h) bit for bit.
RuleEvents compute_rule_events(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R);

// First bar whose decided signal can be non-zero (>= 1: the decision reads the bar before).
long rule_warmup(const RuleSpec& r);

}  // namespace ntp
