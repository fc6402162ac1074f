// The rule strategies, one table entry each (TypeScript twin: src/backtest/strategies/, same
// names and parameters; the addon exports this table and a test holds the two together).
// An entry says which parameters the rule takes (with their ranges), which indicator series of
// the closes it reads (SeriesKey, computed once per symbol and shared by every rule reading
// them), from which bar it may decide, and its two conditions. The CPU engine
// (backtest_rules.cpp, backtest_rule_events.cpp) and the CUDA sweep (rule_event_jobs.h) read
// nothing else, so a strategy is added here and nowhere else in C++ (a new indicator series
// also gets its stream in backtest_series.h).
//
// The decision, shared by every strategy (rule_words.h, a word of bars at a time on the CPU and
// the GPU): at the close of bar t >= warm-up, +1 when the `up` condition is true at t and
// was not at t-1, -1 when the `down` condition is. The conditions read the series' values at one
// bar and are templates over the value type: double (one bar) or a SIMD vector of bars, whose
// comparisons give lane masks; they use only arithmetic, comparisons and & |, so both agree.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "backtest_step.h"
#include "../hd.h"

namespace ntp {

constexpr int kMaxRuleParams = 4;
constexpr int kMaxRuleSeries = 3;
constexpr double kMaxRulePeriod = 1 << 20;

// One rule of a grid: its strategy (the index of the entry in RuleStrategies) and its
// parameters in the entry's order (the rest unused).
struct RuleSpec {
  int32_t kind = 0;
  double params[kMaxRuleParams] = {0, 0, 0, 0};
};

// Indicator series a rule may read, each of the closes; computed by backtest_series.h with the
// conventions of plain_indicators.h, bit for bit as src/indicators/plain-reference.ts.
enum class SeriesKind : int32_t {
  kEma = 0,  // (period)
  kSma = 1,  // (period)
  kRsi = 2,  // (period)
  kMacdLine = 3,    // (fast, slow): EMA(fast) - EMA(slow), one step per bar as macd_series
  kMacdSignal = 4,  // (fast, slow, signal): EMA(signal) of that line
  kClose = 5,       // the closes themselves
  kStdev = 6,       // (period): population standard deviation of the last `period` closes
};
struct SeriesKey {
  SeriesKind kind;
  double a = 0, b = 0, c = 0;  // its parameters
};

struct ParamSpec {
  const char* name;
  double min, max;
  bool integer;
};
// "a < b" between two parameters (indices).
struct ParamOrder {
  int below, above;
};

constexpr ParamSpec kPeriod(const char* name) { return {name, 1, kMaxRulePeriod, true}; }

// Moving-average crosses: +1 when fast - slow turns > 0, -1 when it turns < 0, from bar `slow`.
template <SeriesKind Average>
struct MovingAverageCross {
  static constexpr std::array<ParamSpec, 2> kParams{{kPeriod("fast"), kPeriod("slow")}};
  static constexpr std::array<ParamOrder, 1> kOrder{{{0, 1}}};
  static constexpr int kSeries = 2;
  static void series(const double* p, SeriesKey* s) { s[0] = {Average, p[0]}; s[1] = {Average, p[1]}; }
  static long warmup(const double* p) { return static_cast<long>(p[1]); }
  template <class V> NTP_HD static auto up(const V* v, const double*) { return v[0] - v[1] > 0.0; }
  template <class V> NTP_HD static auto down(const V* v, const double*) { return v[0] - v[1] < 0.0; }
};
struct EmaCross : MovingAverageCross<SeriesKind::kEma> {
  static constexpr const char* kName = "ema_cross";
};
struct SmaCross : MovingAverageCross<SeriesKind::kSma> {
  static constexpr const char* kName = "sma_cross";
};

// RSI reversal: +1 when RSI comes back up to `lower` (below it at t-1, at or above at t), -1
// when it comes back down to `upper`, from bar period + 1.
struct RsiReversal {
  static constexpr const char* kName = "rsi";
  static constexpr std::array<ParamSpec, 3> kParams{{kPeriod("period"), {"lower", 0, 100, false}, {"upper", 0, 100, false}}};
  static constexpr std::array<ParamOrder, 1> kOrder{{{1, 2}}};
  static constexpr int kSeries = 1;
  static void series(const double* p, SeriesKey* s) { s[0] = {SeriesKind::kRsi, p[0]}; }
  static long warmup(const double* p) { return static_cast<long>(p[0]) + 1; }
  template <class V> NTP_HD static auto up(const V* v, const double* p) { return v[0] >= p[1]; }
  template <class V> NTP_HD static auto down(const V* v, const double* p) { return v[0] <= p[2]; }
};

// MACD signal-line cross: +1 when MACD - signal (the histogram) turns > 0, -1 when it turns < 0,
// from bar slow + signal.
struct MacdCross {
  static constexpr const char* kName = "macd";
  static constexpr std::array<ParamSpec, 3> kParams{{kPeriod("fast"), kPeriod("slow"), kPeriod("signal")}};
  static constexpr std::array<ParamOrder, 1> kOrder{{{0, 1}}};
  static constexpr int kSeries = 2;
  static void series(const double* p, SeriesKey* s) {
    s[0] = {SeriesKind::kMacdLine, p[0], p[1]};
    s[1] = {SeriesKind::kMacdSignal, p[0], p[1], p[2]};
  }
  static long warmup(const double* p) { return static_cast<long>(p[1] + p[2]); }
  template <class V> NTP_HD static auto up(const V* v, const double*) { return v[0] - v[1] > 0.0; }
  template <class V> NTP_HD static auto down(const V* v, const double*) { return v[0] - v[1] < 0.0; }
};

// Bollinger breakout: +1 when the close rises above SMA(period) + k sd, -1 when it falls below
// SMA(period) - k sd (sd: population standard deviation of the same window), from bar period.
struct BollingerBreakout {
  static constexpr const char* kName = "bollinger_breakout";
  static constexpr std::array<ParamSpec, 2> kParams{{{"period", 2, kMaxRulePeriod, true}, {"k", 0, 10, false}}};
  static constexpr std::array<ParamOrder, 0> kOrder{};
  static constexpr int kSeries = 3;
  static void series(const double* p, SeriesKey* s) {
    s[0] = {SeriesKind::kClose};
    s[1] = {SeriesKind::kSma, p[0]};
    s[2] = {SeriesKind::kStdev, p[0]};
  }
  static long warmup(const double* p) { return static_cast<long>(p[0]); }
  template <class V> NTP_HD static auto up(const V* v, const double* p) { return v[0] > v[1] + p[1] * v[2]; }
  template <class V> NTP_HD static auto down(const V* v, const double* p) { return v[0] < v[1] - p[1] * v[2]; }
};

// The table: a rule's kind is its strategy's index here.
template <class... S>
struct StrategyList {
  static constexpr int kCount = sizeof...(S);
};
using RuleStrategies = StrategyList<EmaCross, SmaCross, RsiReversal, MacdCross, BollingerBreakout>;

// Calls f(S{}) with the strategy of `kind` (nothing when kind is out of range).
template <class F, class... S>
NTP_HD void visit_strategy(StrategyList<S...>, int32_t kind, F&& f) {
  int32_t i = 0;
  (void)((kind == i++ ? (f(S{}), true) : false) || ...);
}
template <class F>
NTP_HD void visit_strategy(int32_t kind, F&& f) {
  visit_strategy(RuleStrategies{}, kind, static_cast<F&&>(f));
}

// The kind number of strategy S.
template <class S, class... All>
constexpr int32_t kind_in(StrategyList<All...>) {
  int32_t i = 0, found = -1;
  (void)((std::is_same_v<S, All> ? (found = i, true) : (++i, false)) || ...);
  return found;
}
template <class S>
constexpr int32_t rule_kind() { return kind_in<S>(RuleStrategies{}); }

namespace bt {

// Rules carry no levels of their own: size 1, no stop and no targets unless the path
// overrides them.
NTP_HD SignalLevels rule_levels() { return SignalLevels{INFINITY, {INFINITY, INFINITY, INFINITY}, 1.0}; }

}  // namespace bt
}  // namespace ntp
