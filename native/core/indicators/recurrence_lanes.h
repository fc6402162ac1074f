// The value types the indicator row math (indicator_rows.h) is written over: `double` for one
// row (CPU tails and the CUDA twin) and Lanes<N>, N rows side by side, for the CPU kernels.
// Rows of a batch share their periods and their control flow (the only data-dependent choices
// are the selects below), so N rows advance through the same recurrence step together and
// each Lanes operation is one SIMD instruction: the serial time loop stays serial, but it
// carries N independent chains instead of one.
#pragma once
#include <cmath>

#include "../hd.h"

namespace ntp {

// ---- scalar (one row) -------------------------------------------------------------------
NTP_HD double relu(double x) { return x > 0 ? x : 0.0; }
// a where s > 0 (resp. s < 0), else 0.
NTP_HD double where_positive(double s, double a) { return s > 0 ? a : 0.0; }
NTP_HD double where_negative(double s, double a) { return s < 0 ? a : 0.0; }
// sqrt(x) for x > 0, else 0; 1/x for x > 0, else 0.
NTP_HD double sqrt_positive(double x) { return x > 0 ? sqrt(x) : 0.0; }
NTP_HD double inverse_positive(double x) { return x > 0 ? 1.0 / x : 0.0; }

// ---- N rows -----------------------------------------------------------------------------
template <int N>
struct alignas(8 * N) Lanes {
  double v[N];
  Lanes() = default;
  Lanes(double s) { for (int i = 0; i < N; ++i) v[i] = s; }  // NOLINT: broadcast on purpose
  double& operator[](int i) { return v[i]; }
  double operator[](int i) const { return v[i]; }
  Lanes& operator+=(const Lanes& o) { for (int i = 0; i < N; ++i) v[i] += o.v[i]; return *this; }
  Lanes& operator-=(const Lanes& o) { for (int i = 0; i < N; ++i) v[i] -= o.v[i]; return *this; }
};

#define NTP_LANES_BINARY(op)                                                           \
  template <int N> inline Lanes<N> operator op(const Lanes<N>& a, const Lanes<N>& b) { \
    Lanes<N> r;                                                                        \
    for (int i = 0; i < N; ++i) r.v[i] = a.v[i] op b.v[i];                             \
    return r;                                                                          \
  }                                                                                    \
  template <int N> inline Lanes<N> operator op(const Lanes<N>& a, double b) {          \
    Lanes<N> r;                                                                        \
    for (int i = 0; i < N; ++i) r.v[i] = a.v[i] op b;                                  \
    return r;                                                                          \
  }                                                                                    \
  template <int N> inline Lanes<N> operator op(double a, const Lanes<N>& b) {          \
    Lanes<N> r;                                                                        \
    for (int i = 0; i < N; ++i) r.v[i] = a op b.v[i];                                  \
    return r;                                                                          \
  }
NTP_LANES_BINARY(+)
NTP_LANES_BINARY(-)
NTP_LANES_BINARY(*)
NTP_LANES_BINARY(/)
#undef NTP_LANES_BINARY

template <int N> inline Lanes<N> operator-(const Lanes<N>& a) {
  Lanes<N> r;
  for (int i = 0; i < N; ++i) r.v[i] = -a.v[i];
  return r;
}

// Lane-wise versions of the scalar helpers, same semantics per lane.
template <int N> inline Lanes<N> relu(const Lanes<N>& x) {
  Lanes<N> r;
  for (int i = 0; i < N; ++i) r.v[i] = x.v[i] > 0 ? x.v[i] : 0.0;
  return r;
}
template <int N> inline Lanes<N> where_positive(const Lanes<N>& s, const Lanes<N>& a) {
  Lanes<N> r;
  for (int i = 0; i < N; ++i) r.v[i] = s.v[i] > 0 ? a.v[i] : 0.0;
  return r;
}
template <int N> inline Lanes<N> where_negative(const Lanes<N>& s, const Lanes<N>& a) {
  Lanes<N> r;
  for (int i = 0; i < N; ++i) r.v[i] = s.v[i] < 0 ? a.v[i] : 0.0;
  return r;
}
template <int N> inline Lanes<N> sqrt_positive(const Lanes<N>& x) {
  Lanes<N> r;
  // sqrt of the clamped value, then the select: no branch, no NaN from negative rounding.
  for (int i = 0; i < N; ++i) r.v[i] = std::sqrt(x.v[i] > 0 ? x.v[i] : 0.0);
  return r;
}
template <int N> inline Lanes<N> inverse_positive(const Lanes<N>& x) {
  Lanes<N> r;
  for (int i = 0; i < N; ++i) r.v[i] = x.v[i] > 0 ? 1.0 / x.v[i] : 0.0;
  return r;
}

}  // namespace ntp
