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

// Further plain indicators (same conventions: float64 in and out, NaN where undefined, NaN
// inputs propagate). Periods must be >= 1 (integers where they count bars); bad periods throw
// std::invalid_argument naming the period.
//  - wma_series: linearly weighted mean of the last p values (weights 1..p, newest heaviest);
//    NaN for t < p-1.
//  - macd_series: macd = ema_fast - ema_slow, signal = ema_signal(macd), hist = macd - signal,
//    all EMA-seeded at t = 0 like ema_series (so defined from t = 0).
//  - bollinger_series: the classic bands: mid = sma_p, upper/lower = mid +- k * population
//    standard deviation of the last p values; NaN for t < p-1. (The learnable layer uses EMA
//    moments instead; SPEC §5.)
//  - atr_series: true range TR_0 = h_0 - l_0, TR_t = max(h-l, |h-c_{t-1}|, |l-c_{t-1}|),
//    averaged with Wilder (a = 1/p) seeded with TR_0 (defined from t = 0).
//  - momentum_series: x_t - x_{t-p}; roc_series: 100 (x_t / x_{t-p} - 1); NaN for t < p.
//  - stochastic_series: %K = 100 (c - LL_p) / (HH_p - LL_p) over the last p bars (50 when
//    HH = LL), %D = sma_d(%K); %K NaN for t < p-1, %D NaN for t < p+d-2.
void wma_series(const double* x, std::size_t n, int period, double* out);
void macd_series(const double* x, std::size_t n, double fast, double slow, double signal,
                 double* macd, double* signal_out, double* hist);
void bollinger_series(const double* x, std::size_t n, int period, double k, double* mid,
                      double* upper, double* lower);
void atr_series(const double* high, const double* low, const double* close, std::size_t n,
                double period, double* out);
void momentum_series(const double* x, std::size_t n, int period, double* out);
void roc_series(const double* x, std::size_t n, int period, double* out);
void stochastic_series(const double* high, const double* low, const double* close, std::size_t n,
                       int period, int smooth, double* k_out, double* d_out);

}  // namespace ntp
