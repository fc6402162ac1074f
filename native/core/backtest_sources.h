// Where a path's decided signals come from, as run_path (backtest_step.h) reads them: signal
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
  NTP_HD int32_t side(long t) const {
    if (t < warmup) return 0;
    const double a = rsi[t - 1], b = rsi[t];
    return static_cast<int32_t>(a < lower && b >= lower) - static_cast<int32_t>(a > upper && b <= upper);
  }
  NTP_HD long next_event(long from, long n) const {
    long t = from < warmup ? warmup : from;
    while (t < n && side(t) == 0) ++t;
    return t < n ? t : n;
  }
  NTP_HD SignalLevels levels(long) const { return rule_levels(); }
};

// Precomputed decided sides as two bitsets over the bars (bit t of `up`: +1 at t, of `down`:
// -1 at t), shared by every parameter set of a (symbol, rule): finding the next signal skips
// 64 quiet bars per word. CPU only (the CUDA twin scans the series with CrossSource/RsiSource).
struct MaskSource {
  const uint64_t* up;
  const uint64_t* down;
  inline int32_t side(long t) const {
    const uint64_t bit = uint64_t{1} << (t & 63);
    return static_cast<int32_t>((up[t >> 6] & bit) != 0) - static_cast<int32_t>((down[t >> 6] & bit) != 0);
  }
  inline long next_event(long from, long n) const {
    if (from >= n) return n;
    long w = from >> 6;
    uint64_t bits = (up[w] | down[w]) & (~uint64_t{0} << (from & 63));
    const long words = (n + 63) >> 6;
    while (bits == 0) {
      if (++w >= words) return n;
      bits = up[w] | down[w];
    }
    const long t = (w << 6) + __builtin_ctzll(bits);
    return t < n ? t : n;
  }
  inline SignalLevels levels(long) const { return rule_levels(); }
};

}  // namespace ntp::bt
