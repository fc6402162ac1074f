// Plain indicators over one float64 series (conventions in plain_indicators.h). The EMA/Wilder
// family runs on the same Recurrence step as the learnable layers; windowed ones use O(n)
// running sums / monotonic deques so a sweep over many periods stays linear in the bars.
// Contraction of a*b+c into one rounding is off in this file: whether the compiler fuses an
// expression would otherwise differ between the one-series and the several-series code paths
// (and between compilers), and the sweep engine relies on ema_series_many == ema_series.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "plain_indicators.h"

#include <cmath>
#include <deque>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "recurrence.h"
#include "recurrence_lanes.h"

namespace ntp {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void require_period(const char* name, double p) {
  if (!(std::isfinite(p) && p >= 1.0))
    throw std::invalid_argument(std::string(name) + " must be a finite number >= 1 (got " +
                                std::to_string(p) + ")");
}
void require_int_period(const char* name, int p) {
  if (p < 1) throw std::invalid_argument(std::string(name) + " must be an integer >= 1 (got " +
                                         std::to_string(p) + ")");
}

// y_0 = x_0, y_t = a x_t + b y_{t-1} (Recurrence's step, b = 1 - a), four steps per iteration:
// only y_{t+3} = b^4 y_{t-1} + s3 is loop-carried (one multiply-add per four bars); s1..s3, the
// sums of the block's inputs started from 0, and the in-between outputs do not depend on the
// carried value, so the loop runs at multiply-add throughput instead of the serial latency
// (~3x). Same terms, different association: results agree with the one-step loop to ~1e-16.
// V is double for one series, or Lanes<N> for N series of the same input with their own
// coefficients (lane by lane the same operations, so the same results); out(t, y) stores y_t.
template <class V, class Store>
void recurrence_series(const double* x, std::size_t n, V a, Store out) {
  if (n == 0) return;
  const V b = 1.0 - a, b2 = b * b, b3 = b2 * b, b4 = b2 * b2;
  V y = x[0];
  out(0, y);
  std::size_t t = 1;
  for (; t + 3 < n; t += 4) {
    const V u0 = a * x[t], u1 = a * x[t + 1], u2 = a * x[t + 2], u3 = a * x[t + 3];
    const V s1 = u1 + b * u0, s2 = u2 + b * s1, s3 = u3 + b * s2;
    out(t, u0 + b * y);
    out(t + 1, s1 + b2 * y);
    out(t + 2, s2 + b3 * y);
    y = s3 + b4 * y;
    out(t + 3, y);
  }
  for (; t < n; ++t) {
    y = a * x[t] + b * y;
    out(t, y);
  }
}

// Rolling sum of the last p values in a compensated (Kahan-Babuska) accumulator: the naive
// running add/subtract drifts by ~n * eps * |x| over long series, this stays at ~eps * |sum|.
struct RollingSum {
  double sum = 0.0, comp = 0.0;
  void add(double v) {
    const double t = sum + v;
    comp += std::fabs(sum) >= std::fabs(v) ? (sum - t) + v : (v - t) + sum;
    sum = t;
  }
  double value() const { return sum + comp; }
};

}  // namespace

void ema_series(const double* x, std::size_t n, double period, double* out) {
  require_period("period", period);
  recurrence_series(x, n, recurrence_coefficient(RecurrenceKind::kEma, period), [out](std::size_t t, double y) { out[t] = y; });
}

void ema_series_many(const double* x, std::size_t n, const double* periods, std::size_t count, double* const* outs) {
  constexpr int kLanes = 4;  // independent chains per pass: the serial recurrence's latency is shared
  for (std::size_t i = 0; i < count; ++i) require_period("period", periods[i]);
  std::size_t i = 0;
  for (; i + kLanes <= count; i += kLanes) {
    Lanes<kLanes> a;
    for (int l = 0; l < kLanes; ++l) a.v[l] = recurrence_coefficient(RecurrenceKind::kEma, periods[i + l]);
    double* const* o = outs + i;
    recurrence_series(x, n, a, [o](std::size_t t, const Lanes<kLanes>& y) {
      for (int l = 0; l < kLanes; ++l) o[l][t] = y.v[l];
    });
  }
  for (; i < count; ++i) ema_series(x, n, periods[i], outs[i]);
}

void sma_series(const double* x, std::size_t n, int period, double* out) {
  require_int_period("period", period);
  const std::size_t p = static_cast<std::size_t>(period);
  RollingSum s;
  for (std::size_t t = 0; t < n; ++t) {
    s.add(x[t]);
    if (t >= p) s.add(-x[t - p]);
    out[t] = t + 1 >= p ? s.value() / period : kNaN;
  }
}

void rsi_series(const double* x, std::size_t n, double period, double* out) {
  require_period("period", period);
  if (n == 0) return;
  const double a = recurrence_coefficient(RecurrenceKind::kWilder, period);
  Recurrence<double> G(a), L(a);
  out[0] = kNaN;
  for (std::size_t t = 1; t < n; ++t) {
    const double d = x[t] - x[t - 1];
    const int step = t == 1 ? 0 : 1;  // seeded with the first difference
    const double g = G.step(step, d > 0 ? d : 0.0), l = L.step(step, d < 0 ? -d : 0.0);
    out[t] = std::isnan(d) ? kNaN : (g + l == 0.0 ? 50.0 : 100.0 * g / (g + l));
  }
}

void wma_series(const double* x, std::size_t n, int period, double* out) {
  require_int_period("period", period);
  const std::size_t p = static_cast<std::size_t>(period);
  const double denom = 0.5 * period * (period + 1.0);
  // weighted_t = sum_{i<p} (p-i) x_{t-i}; weighted_t = weighted_{t-1} + p x_t - plain_{t-1}.
  RollingSum plain, weighted;
  for (std::size_t t = 0; t < n; ++t) {
    weighted.add(period * x[t]);
    weighted.add(-plain.value());
    plain.add(x[t]);
    if (t >= p) plain.add(-x[t - p]);
    out[t] = t + 1 >= p ? weighted.value() / denom : kNaN;
  }
}

void macd_series(const double* x, std::size_t n, double fast, double slow, double signal,
                 double* macd, double* signal_out, double* hist) {
  require_period("fast", fast);
  require_period("slow", slow);
  require_period("signal", signal);
  Recurrence<double> f(recurrence_coefficient(RecurrenceKind::kEma, fast));
  Recurrence<double> s(recurrence_coefficient(RecurrenceKind::kEma, slow));
  Recurrence<double> g(recurrence_coefficient(RecurrenceKind::kEma, signal));
  for (std::size_t t = 0; t < n; ++t) {
    const int step = t == 0 ? 0 : 1;
    const double m = f.step(step, x[t]) - s.step(step, x[t]);
    const double sg = g.step(step, m);
    macd[t] = m;
    signal_out[t] = sg;
    hist[t] = m - sg;
  }
}

void bollinger_series(const double* x, std::size_t n, int period, double k, double* mid,
                      double* upper, double* lower) {
  require_int_period("period", period);
  if (!std::isfinite(k)) throw std::invalid_argument("k must be finite");
  const std::size_t p = static_cast<std::size_t>(period);
  sma_series(x, n, period, mid);
  for (std::size_t t = 0; t < n; ++t) {
    if (t + 1 < p) { upper[t] = lower[t] = kNaN; continue; }
    // Two-pass variance over the window (p is small next to n; exact and cancellation-free).
    double ss = 0.0;
    for (std::size_t i = t + 1 - p; i <= t; ++i) ss += (x[i] - mid[t]) * (x[i] - mid[t]);
    const double sd = std::sqrt(ss / period);
    upper[t] = mid[t] + k * sd;
    lower[t] = mid[t] - k * sd;
  }
}

void atr_series(const double* high, const double* low, const double* close, std::size_t n,
                double period, double* out) {
  require_period("period", period);
  Recurrence<double> avg(recurrence_coefficient(RecurrenceKind::kWilder, period));
  for (std::size_t t = 0; t < n; ++t) {
    double tr = high[t] - low[t];
    if (t > 0) tr = std::fmax(tr, std::fmax(std::fabs(high[t] - close[t - 1]), std::fabs(low[t] - close[t - 1])));
    out[t] = avg.step(t == 0 ? 0 : 1, tr);
  }
}

void momentum_series(const double* x, std::size_t n, int period, double* out) {
  require_int_period("period", period);
  const std::size_t p = static_cast<std::size_t>(period);
  for (std::size_t t = 0; t < n; ++t) out[t] = t >= p ? x[t] - x[t - p] : kNaN;
}

void roc_series(const double* x, std::size_t n, int period, double* out) {
  require_int_period("period", period);
  const std::size_t p = static_cast<std::size_t>(period);
  for (std::size_t t = 0; t < n; ++t) out[t] = t >= p ? 100.0 * (x[t] / x[t - p] - 1.0) : kNaN;
}

void stochastic_series(const double* high, const double* low, const double* close, std::size_t n,
                       int period, int smooth, double* k_out, double* d_out) {
  require_int_period("period", period);
  require_int_period("smooth", smooth);
  const std::size_t p = static_cast<std::size_t>(period);
  std::deque<std::size_t> hi, lo;  // indices of the window's running max / min (monotonic)
  for (std::size_t t = 0; t < n; ++t) {
    while (!hi.empty() && high[hi.back()] <= high[t]) hi.pop_back();
    while (!lo.empty() && low[lo.back()] >= low[t]) lo.pop_back();
    hi.push_back(t);
    lo.push_back(t);
    if (hi.front() + p <= t) hi.pop_front();
    if (lo.front() + p <= t) lo.pop_front();
    if (t + 1 < p) { k_out[t] = kNaN; continue; }
    const double hh = high[hi.front()], ll = low[lo.front()];
    k_out[t] = hh == ll ? 50.0 : 100.0 * (close[t] - ll) / (hh - ll);
  }
  // %D: SMA of %K over its defined part.
  const std::size_t first = p - 1;
  for (std::size_t t = 0; t < n && t < first; ++t) d_out[t] = kNaN;
  if (n > first) sma_series(k_out + first, n - first, smooth, d_out + first);
}

}  // namespace ntp
