// Where a path's decided signals come from, as run_path (backtest_path.h) reads them: signal
// arrays, or a rule evaluated on precomputed indicator series. Shared by CPU and CUDA.
#pragma once
#include <cmath>
#include <cstdint>

#include "backtest_step.h"
#include "hd.h"

namespace ntp::bt {

// Signal arrays of one symbol (the columns of SignalArrays).
struct SignalSource {
  const int8_t* sides;
  const double* stops;
  const double* target0;
  const double* target1;
  const double* target2;
  const double* sizes;
  NTP_HD int32_t side(long t) const { return sides[t]; }
  // First bar >= from whose decided side is not 0 (n when none).
  NTP_HD long next_event(long from, long n) const {
    while (from < n && sides[from] == 0) ++from;
    return from;
  }
  NTP_HD SignalLevels levels(long t) const {
    return SignalLevels{stops[t], {target0[t], target1[t], target2[t]}, sizes[t]};
  }
};

// Rules carry no levels of their own: size 1, no stop and no targets unless the path
// overrides them.
NTP_HD SignalLevels rule_levels() { return SignalLevels{INFINITY, {INFINITY, INFINITY, INFINITY}, 1.0}; }

// Moving-average cross: +1 when fast - slow turns from <= 0 to > 0 at t, -1 when it turns
// from >= 0 to < 0; nothing before `warmup` (the slow period) or where either is NaN.
struct CrossSource {
  const double* fast;
  const double* slow;
  long warmup;
  NTP_HD int32_t side(long t) const {
    if (t < warmup) return 0;
    const double d0 = fast[t - 1] - slow[t - 1];
    const double d1 = fast[t] - slow[t];
    return static_cast<int32_t>(d0 <= 0 && d1 > 0) - static_cast<int32_t>(d0 >= 0 && d1 < 0);
  }
  // First bar >= from with a cross (n when none); one pass carrying the previous difference.
  NTP_HD long next_event(long from, long n) const {
    long t = from < warmup ? warmup : from;
    if (t >= n) return n;
    double d0 = fast[t - 1] - slow[t - 1];
    for (; t < n; ++t) {
      const double d1 = fast[t] - slow[t];
      if ((d0 <= 0 && d1 > 0) || (d0 >= 0 && d1 < 0)) return t;
      d0 = d1;
    }
    return n;
  }
  NTP_HD SignalLevels levels(long) const { return rule_levels(); }
};

// RSI reversal: +1 when RSI crosses back up through `lower` (prev < lower <= now), -1 when it
// crosses back down through `upper` (prev > upper >= now); nothing before `warmup` (period + 1).
struct RsiSource {
  const double* rsi;
  long warmup;
  double lower, upper;
  NTP_HD int32_t side(long t) const { return t < warmup ? 0 : decide(rsi[t - 1], rsi[t], lower, upper); }
  // The decision from the RSI at the bar before (a) and at the bar (b).
  NTP_HD static int32_t decide(double a, double b, double lower, double upper) {
    return static_cast<int32_t>(a < lower && b >= lower) - static_cast<int32_t>(a > upper && b <= upper);
  }
  NTP_HD long next_event(long from, long n) const {
    long t = from < warmup ? warmup : from;
    while (t < n && side(t) == 0) ++t;
    return t < n ? t : n;
  }
  NTP_HD SignalLevels levels(long) const { return rule_levels(); }
};

// One decided signal of a precomputed list: its bar and side packed in an int32 (bar << 1,
// low bit set for -1), half the memory of a pair, and lists of millions are common in sweeps.
inline int32_t encode_event(long bar, int32_t side) { return static_cast<int32_t>((bar << 1) | (side < 0 ? 1 : 0)); }
inline long event_bar(int32_t e) { return e >> 1; }
inline int32_t event_side(int32_t e) { return (e & 1) != 0 ? -1 : 1; }

// Precomputed decided signals of one (symbol, rule), sorted by bar, shared by every parameter
// set of the pair: finding the next signal is one step along the list. run_path asks
// next_event with a non-decreasing `from`, and side() only for the bar next_event returned, so
// the source keeps a cursor instead of searching. CPU only (the CUDA twin scans the series
// with CrossSource/RsiSource).
struct EventListSource {
  const int32_t* cursor;  // first event not before the last `from`
  const int32_t* end;
  inline long next_event(long from, long n) {
    while (cursor != end && event_bar(*cursor) < from) ++cursor;
    return cursor != end && event_bar(*cursor) < n ? event_bar(*cursor) : n;
  }
  inline int32_t side(long t) const { return cursor != end && event_bar(*cursor) == t ? event_side(*cursor) : 0; }
  inline SignalLevels levels(long) const { return rule_levels(); }
};

}  // namespace ntp::bt
