// The plain EMA, SMA and RSI of plain_indicators.h as streams: run(x, t0, t1, out) computes bars
// [t0, t1) of the indicator of the series x (indexed from bar 0), calling out(t, y_t) for each,
// and continues from where the previous call stopped (the first call starts at t0 = 0). Split
// [0, n) into consecutive calls at multiples of 4 (EMA steps four bars per block) and the
// values are the same, bit for bit, as one call over [0, n): ema_series / sma_series /
// rsi_series are that one call, and the sweep engine (backtest_rules.cpp) computes its series a
// chunk at a time while the chunk is in cache.
//
// Every C++ file that includes this header includes no_fp_contract.h first, and the CUDA files
// that do are compiled with --fmad=false, so that every copy of a stream, one series or several
// in lanes, on the CPU or the GPU, rounds the same way whatever the compiler would fuse.
#pragma once
#include <cmath>
#include <cstddef>
#include <limits>

#include "recurrence.h"
#include "recurrence_lanes.h"
#include "../hd.h"

namespace ntp {

// y_0 = x_0, y_t = a x_t + b y_{t-1} (Recurrence's step, b = 1 - a). Bars 1-3 take one step
// each; from bar 4 on, four steps per iteration: only y_{t+3} = b^4 y_{t-1} + s3 is
// loop-carried (one multiply-add per four bars); s1..s3, the sums of the block's inputs started
// from 0, and the in-between outputs do not depend on the carried value, so the loop runs at
// multiply-add throughput instead of the serial latency (~3x). Same terms, different
// association: results agree with the one-step loop to ~1e-16. V is double for one series, or
// F64x4 (or Lanes<N>) for several series of the same input with their own coefficients (lane
// by lane the same operations, so the same values).
// Four doubles in one 256-bit vector (GCC/Clang vector extension: each arithmetic operation
// is one SIMD instruction on the four lanes), for four series advanced together; without AVX,
// the same four lanes as a Lanes<4>.
#if defined(__AVX__)
typedef double F64x4 __attribute__((vector_size(32)));
#else
using F64x4 = Lanes<4>;
#endif

// Every lane of a V equal to x.
template <class V>
NTP_HD V splat(double x) {
  return V(x);
}
#if defined(__AVX__)
template <>
inline F64x4 splat<F64x4>(double x) {
  return F64x4{x, x, x, x};
}
#endif

template <class V = double>
class EmaStream {
 public:
  NTP_HD explicit EmaStream(V a) : a_(a), b_(1.0 - a), b2_(b_ * b_), b3_(b2_ * b_), b4_(b2_ * b2_) {}

  template <class Out>
  NTP_HD void run(const double* x, std::size_t t0, std::size_t t1, Out out) {
    std::size_t t = t0;
    if (t == 0 && t < t1) {
      y_ = splat<V>(x[0]);
      out(std::size_t{0}, y_);
      ++t;
    }
    for (; t < t1 && t < 4; ++t) out(t, step(x[t]));
    for (; t + 4 <= t1; t += 4) {
      const V u0 = a_ * x[t], u1 = a_ * x[t + 1], u2 = a_ * x[t + 2], u3 = a_ * x[t + 3];
      const V s1 = u1 + b_ * u0, s2 = u2 + b_ * s1, s3 = u3 + b_ * s2;
      out(t, u0 + b_ * y_);
      out(t + 1, s1 + b2_ * y_);
      out(t + 2, s2 + b3_ * y_);
      y_ = s3 + b4_ * y_;
      out(t + 3, y_);
    }
    for (; t < t1; ++t) out(t, step(x[t]));
  }

 private:
  NTP_HD V step(double x) { return y_ = a_ * x + b_ * y_; }
  V a_, b_, b2_, b3_, b4_;
  V y_{};
};

// Rolling sum of the last p values in a compensated (Kahan-Babuska) accumulator: the naive
// running add/subtract drifts by ~n * eps * |x| over long series, this stays at ~eps * |sum|.
struct RollingSum {
  double sum = 0.0, comp = 0.0;
  NTP_HD void add(double v) {
    const double t = sum + v;
    comp += std::fabs(sum) >= std::fabs(v) ? (sum - t) + v : (v - t) + sum;
    sum = t;
  }
  NTP_HD double value() const { return sum + comp; }
};

// Mean of the last p values; NaN for t < p-1.
class SmaStream {
 public:
  NTP_HD explicit SmaStream(int period) : p_(static_cast<std::size_t>(period)) {}
  template <class Out>
  NTP_HD void run(const double* x, std::size_t t0, std::size_t t1, Out out) {
    for (std::size_t t = t0; t < t1; ++t) {
      sum_.add(x[t]);
      if (t >= p_) sum_.add(-x[t - p_]);
      out(t, t + 1 >= p_ ? sum_.value() / static_cast<double>(p_) : std::numeric_limits<double>::quiet_NaN());
    }
  }

 private:
  std::size_t p_;
  RollingSum sum_;
};

// Wilder RSI seeded at t = 1 with the first difference; NaN at t = 0; 50 when G + L = 0.
class RsiStream {
 public:
  NTP_HD explicit RsiStream(double period)
      : gain_(recurrence_coefficient(RecurrenceKind::kWilder, period)),
        loss_(recurrence_coefficient(RecurrenceKind::kWilder, period)) {}
  template <class Out>
  NTP_HD void run(const double* x, std::size_t t0, std::size_t t1, Out out) {
    for (std::size_t t = t0; t < t1; ++t) {
      if (t == 0) {
        out(t, std::numeric_limits<double>::quiet_NaN());
        continue;
      }
      const double d = x[t] - x[t - 1];
      const int step = t == 1 ? 0 : 1;  // seeded with the first difference
      const double g = gain_.step(step, d > 0 ? d : 0.0), l = loss_.step(step, d < 0 ? -d : 0.0);
      out(t, std::isnan(d) ? std::numeric_limits<double>::quiet_NaN() : (g + l == 0.0 ? 50.0 : 100.0 * g / (g + l)));
    }
  }

 private:
  Recurrence<double> gain_, loss_;
};

}  // namespace ntp
