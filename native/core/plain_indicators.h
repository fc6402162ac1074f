// Plain (non-learnable) indicators over one price series, on the same recurrence kernels as
// the learnable layers (SPEC §5). Shared by the feature library and the backtest sweep engine,
// which computes each (series, period) once and shares it across every path that uses it.
//
// Conventions (documented in the README's Semantics section):
//  - ema_series: y_0 = x_0, y_t = a x_t + (1-a) y_{t-1}, a = 2/(p+1); defined from t = 0.
//  - sma_series: mean of the last p values; NaN for t < p-1.
//  - rsi_series: Wilder (a = 1/p) averages of gains/losses of diff(x), seeded at t = 1 with the
//    first diff; RSI = 100 G/(G+L) (50 when G+L = 0); NaN at t = 0.
#pragma once
#include <cstddef>

namespace ntp {

void ema_series(const double* x, std::size_t n, double period, double* out);
void sma_series(const double* x, std::size_t n, int period, double* out);
void rsi_series(const double* x, std::size_t n, double period, double* out);

}  // namespace ntp
