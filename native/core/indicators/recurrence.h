// The first-order linear recurrence behind every learnable and plain indicator (SPEC §5):
//
//   y_0 = x_0,   y_t = a x_t + (1-a) y_{t-1}        (EMA: a = 2/(p+1), Wilder: a = 1/p)
//
// and its adjoint (reverse pass): with g_t = dL/dy_t from downstream,
//
//   lambda_t = g_t + (1-a) lambda_{t+1},   dL/dx_t = a lambda_t  (t >= 1),  dL/dx_0 = lambda_0,
//   dL/da    = sum_{t>=1} lambda_t (x_t - y_{t-1}).
//
// The dL/dx_0 term is the y_0 = x_0 seed: x_0 enters y_0 with weight 1, not a. EMA and Wilder are
// the same code with a different coefficient (RecurrenceKind), so there is one forward step and
// one adjoint step, shared verbatim by the CPU kernels and their CUDA twins (NTP_HD).
//
// Numerical error (float32 storage, float64 accumulation)
// -------------------------------------------------------
// Inputs, outputs and gradients cross the boundary as float32 (tfjs tensors); every running
// state (y_t, lambda_t, dL/da sums, the momentum ratio) is a double. Consequences:
//  * Inputs are exact in double, so the only float32 error is the final rounding of each
//    output/gradient: relative error <= 2^-24 ~ 6e-8 of the value, plus the error of the double
//    recurrence itself. Each step is a convex combination (0 < a <= 1), so rounding errors do
//    not grow: after T steps the double error is <= ~T * 2^-53 relative (~1e-14 for T = 64),
//    far below the float32 output rounding.
//  * A float32 accumulator would instead lose ~T * 2^-24 ~ 4e-6 relative after T = 64 steps,
//    and Bollinger's sigma^2 = ema(c^2) - ema(c)^2 cancels catastrophically on closes
//    normalised to ~1 (sigma^2 ~ 1e-5): in float32 that leaves ~1e-2 relative error in sigma.
//    The kernels accumulate in double and also shift the series by its last value before
//    squaring (the variance is shift invariant because the EMA weights sum to exactly 1), so
//    sigma keeps ~1e-12 relative accuracy before the float32 output rounding.
//  * dL/dp sums over the batch in double in a fixed row order (per-row partials, then a serial
//    reduction), so CPU results are deterministic run to run and the CUDA twin matches the CPU
//    to float32 rounding (the per-row math is identical; only FMA contraction may differ).
//  * Where the functions are not differentiable the kernels pick one side: relu'(0) = 0 in RSI,
//    d sigma / d sigma^2 = 0 at sigma = 0, and momentum's lag p uses the right derivative at
//    integer p (floor(p) jumps there). Finite-difference checks avoid those points.
#pragma once
#include <cmath>

#include "../hd.h"

namespace ntp {

enum class RecurrenceKind : int { kEma = 0, kWilder = 1 };

// Coefficient a(p) and da/dp for a period p >= 1 (a in (0, 1]).
NTP_HD double recurrence_coefficient(RecurrenceKind k, double p) {
  return k == RecurrenceKind::kEma ? 2.0 / (p + 1.0) : 1.0 / p;
}
NTP_HD double recurrence_coefficient_dp(RecurrenceKind k, double p) {
  return k == RecurrenceKind::kEma ? -2.0 / ((p + 1.0) * (p + 1.0)) : -1.0 / (p * p);
}

// Forward state: call step(t, x_t) for t = 0, 1, ... in order; returns y_t. Long loops call
// seed(x_0) once and then next(x_t), which has no branch and one dependent multiply-add per
// step (a x_t is off the critical path), the latency floor of a serial recurrence.
// V is the value type: double for one series, Lanes<N> (recurrence_lanes.h) for N series that
// share the coefficient.
template <class V = double>
struct Recurrence {
  double a;
  double b;  // 1 - a
  V y = V(0.0);
  NTP_HD explicit Recurrence(double coeff) : a(coeff), b(1.0 - coeff) {}
  NTP_HD V seed(const V& x) { return y = x; }
  NTP_HD V next(const V& x) { return y = a * x + b * y; }
  NTP_HD V step(int t, const V& x) { return t == 0 ? seed(x) : next(x); }
};

// Reverse state: call step(t, g_t, x_t, y_{t-1}) for t = T-1, ..., 0 in order (y_{t-1} is
// ignored at t = 0); returns dL/dx_t and accumulates dL/da in `grad_a`.
template <class V = double>
struct RecurrenceAdjoint {
  double a;
  V lambda = V(0.0);
  V grad_a = V(0.0);
  NTP_HD explicit RecurrenceAdjoint(double coeff) : a(coeff) {}
  NTP_HD V step(int t, const V& g, const V& x, const V& y_prev) {
    lambda = g + (1.0 - a) * lambda;
    if (t == 0) return lambda;
    grad_a += lambda * (x - y_prev);
    return a * lambda;
  }
};

// Fractional lag (momentum): the value p bars before the last of a series of length T,
// interpolated linearly between whole lags n = floor(p) and n + 1. Valid for 1 <= p <= T-2
// (checked by the callers where they can read p), where both indices T-1-n and T-2-n are in
// range; any other p (NaN included) is taken as the nearest valid lag, so a device kernel never
// reads outside its row whatever its periods hold.
struct FractionalLag {
  int near;      // index T-1-n
  int far;       // index T-2-n (== near - 1)
  double f;      // weight of `far`
  NTP_HD FractionalLag(int T, double p) {
    const double q = p >= 1.0 ? (p <= T - 2.0 ? p : T - 2.0) : 1.0;
    const int n = static_cast<int>(floor(q));
    near = T - 1 - n;
    far = near - 1;
    f = q - n;
  }
};

}  // namespace ntp
