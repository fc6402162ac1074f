// Plain indicators over one float64 series (conventions in plain_indicators.h). The EMA/Wilder
// family runs on the same Recurrence step as the learnable layers; windowed ones use O(n)
// running sums / monotonic deques so a sweep over many periods stays linear in the bars.
#include "../no_fp_contract.h"  // the streams round here as in the sweep engine

#include "plain_indicators.h"

#include <cmath>
#include <deque>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "indicator_streams.h"
#include "recurrence.h"

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

}  // namespace

void ema_series(const double* x, std::size_t n, double period, double* out) {
  require_period("period", period);
  EmaStream<double>(recurrence_coefficient(RecurrenceKind::kEma, period)).run(x, 0, n, [out](std::size_t t, double y) { out[t] = y; });
}

void sma_series(const double* x, std::size_t n, int period, double* out) {
  require_int_period("period", period);
  SmaStream(period).run(x, 0, n, [out](std::size_t t, double y) { out[t] = y; });
}

void rsi_series(const double* x, std::size_t n, double period, double* out) {
  require_period("period", period);
  RsiStream(period).run(x, 0, n, [out](std::size_t t, double y) { out[t] = y; });
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
