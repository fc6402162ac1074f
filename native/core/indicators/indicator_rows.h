// Per-(row, group) math of the learnable indicator layers (SPEC §5), shared verbatim by the CPU
// kernels (indicator_layers.cpp) and the CUDA twin (cuda/recurrence.cu). A "group" is what one
// output block depends on: one period (MA, RSI, Bollinger, momentum) or one (fast, slow, signal)
// triple (MACD). Every layer is built from the single Recurrence / RecurrenceAdjoint pair in
// recurrence.h; outputs are taken at the last step, so the backward pass only receives the
// gradient at the last step and costs O(T) per group with no [B, T, K] tensor of upstream grads.
//
// The functions are templates over the value type V (recurrence_lanes.h): `double` runs one
// row, Lanes<N> runs N rows in SIMD lanes. `c` is anything indexable whose c[t] converts to V:
// a float row (the CUDA twin, CPU tails) or a transposed Lanes block (CPU). Periods are shared
// by all rows, so coefficients stay scalar.
#pragma once
#include <cmath>

#include "../hd.h"
#include "recurrence.h"
#include "recurrence_lanes.h"

namespace ntp {

enum class IndicatorKind : int { kMa = 0, kMacd = 1, kRsi = 2, kBollinger = 3, kMomentum = 4 };

constexpr double kRsiEps = 1e-8;        // G / (G + L + eps)
constexpr double kBollingerEps = 1e-8;  // (c - mu) / (2 sigma + eps)

NTP_HD int indicator_group_width(IndicatorKind k) { return k == IndicatorKind::kMacd ? 3 : 1; }

// Values of scratch one group's backward pass needs for a window of T steps.
NTP_HD int indicator_scratch(IndicatorKind k, int T) {
  switch (k) {
    case IndicatorKind::kMacd: return 3 * T;
    case IndicatorKind::kRsi:
    case IndicatorKind::kBollinger: return 2 * T;
    case IndicatorKind::kMa: return T;
    default: return 0;
  }
}

// Outputs of one group at the last step: `out` has indicator_group_width(kind) entries
// (MACD: macd, signal, hist). `p` points at the group's period(s).
template <class V, class In>
NTP_HD void indicator_group_forward(IndicatorKind kind, In c, int T, const float* p, V* out) {
  const int last = T - 1;
  switch (kind) {
    case IndicatorKind::kMa: {
      Recurrence<V> y(recurrence_coefficient(RecurrenceKind::kEma, p[0]));
      y.seed(V(c[0]));
      for (int t = 1; t < T; ++t) y.next(V(c[t]));
      out[0] = y.y / V(c[last]) - 1.0;
      return;
    }
    case IndicatorKind::kMacd: {
      Recurrence<V> f(recurrence_coefficient(RecurrenceKind::kEma, p[0]));
      Recurrence<V> s(recurrence_coefficient(RecurrenceKind::kEma, p[1]));
      Recurrence<V> g(recurrence_coefficient(RecurrenceKind::kEma, p[2]));
      V m = f.seed(V(c[0])) - s.seed(V(c[0]));
      g.seed(m);
      for (int t = 1; t < T; ++t) {
        m = f.next(V(c[t])) - s.next(V(c[t]));
        g.next(m);
      }
      out[0] = m;
      out[1] = g.y;
      out[2] = m - g.y;
      return;
    }
    case IndicatorKind::kRsi: {
      // Wilder averages over the T-1 differences, seeded with the first one (index j = t-1).
      const double a = recurrence_coefficient(RecurrenceKind::kWilder, p[0]);
      Recurrence<V> G(a), L(a);
      for (int t = 1; t < T; ++t) {
        const V d = V(c[t]) - V(c[t - 1]);
        G.step(t - 1, relu(d));
        L.step(t - 1, relu(-d));
      }
      out[0] = G.y / (G.y + L.y + kRsiEps) - 0.5;
      return;
    }
    case IndicatorKind::kBollinger: {
      // Shift by the last close before squaring (see recurrence.h): u = c - c_last.
      const double a = recurrence_coefficient(RecurrenceKind::kEma, p[0]);
      const V k = V(c[last]);
      Recurrence<V> mu(a), q(a);
      for (int t = 0; t < T; ++t) {
        const V u = V(c[t]) - k;
        mu.step(t, u);
        q.step(t, u * u);
      }
      const V sigma = sqrt_positive(q.y - mu.y * mu.y);
      out[0] = (V(c[last]) - k - mu.y) / (2.0 * sigma + kBollingerEps);
      return;
    }
    case IndicatorKind::kMomentum: {
      const FractionalLag lag(T, p[0]);
      const V den = (1.0 - lag.f) * V(c[lag.near]) + lag.f * V(c[lag.far]);
      out[0] = V(c[last]) / den - 1.0;
      return;
    }
  }
}

// Reverse pass of one group given `go` = dL/d(outputs) at the last step. Adds the group's
// dL/dc into `gc` (T values, accumulated across groups by the caller) and writes the group's
// dL/dp into `gp` (indicator_group_width entries). `scratch` holds indicator_scratch values:
// the forward series are recomputed there rather than kept from the forward call.
template <class V, class In>
NTP_HD void indicator_group_backward(IndicatorKind kind, In c, int T, const float* p, const V* go,
                                     V* gc, V* gp, V* scratch) {
  const int last = T - 1;
  const V zero(0.0);
  switch (kind) {
    case IndicatorKind::kMa: {
      const double a = recurrence_coefficient(RecurrenceKind::kEma, p[0]);
      V* y = scratch;
      Recurrence<V> fwd(a);
      for (int t = 0; t < T; ++t) y[t] = fwd.step(t, V(c[t]));
      // out = y_last / c_last - 1
      const V cl = V(c[last]);
      gc[last] -= go[0] * y[last] / (cl * cl);
      RecurrenceAdjoint<V> adj(a);
      for (int t = last; t >= 0; --t)
        gc[t] += adj.step(t, t == last ? go[0] / cl : zero, V(c[t]), t > 0 ? y[t - 1] : zero);
      gp[0] = adj.grad_a * recurrence_coefficient_dp(RecurrenceKind::kEma, p[0]);
      return;
    }
    case IndicatorKind::kMacd: {
      V* ef = scratch;
      V* es = scratch + T;
      V* sg = scratch + 2 * T;
      const double af = recurrence_coefficient(RecurrenceKind::kEma, p[0]);
      const double as = recurrence_coefficient(RecurrenceKind::kEma, p[1]);
      const double ag = recurrence_coefficient(RecurrenceKind::kEma, p[2]);
      Recurrence<V> f(af), s(as), g(ag);
      for (int t = 0; t < T; ++t) {
        ef[t] = f.step(t, V(c[t]));
        es[t] = s.step(t, V(c[t]));
        sg[t] = g.step(t, ef[t] - es[t]);
      }
      // hist = macd - signal, so its gradient splits onto the other two outputs.
      const V g_macd = go[0] + go[2];
      const V g_signal = go[1] - go[2];
      RecurrenceAdjoint<V> adj_f(af), adj_s(as), adj_g(ag);
      for (int t = last; t >= 0; --t) {
        const bool first = t == 0;
        // dL/dmacd_t: through the signal recurrence, plus the direct output at the last step.
        const V dm = adj_g.step(t, t == last ? g_signal : zero, ef[t] - es[t], first ? zero : sg[t - 1]) +
                     (t == last ? g_macd : zero);
        gc[t] += adj_f.step(t, dm, V(c[t]), first ? zero : ef[t - 1]) +
                 adj_s.step(t, -dm, V(c[t]), first ? zero : es[t - 1]);
      }
      gp[0] = adj_f.grad_a * recurrence_coefficient_dp(RecurrenceKind::kEma, p[0]);
      gp[1] = adj_s.grad_a * recurrence_coefficient_dp(RecurrenceKind::kEma, p[1]);
      gp[2] = adj_g.grad_a * recurrence_coefficient_dp(RecurrenceKind::kEma, p[2]);
      return;
    }
    case IndicatorKind::kRsi: {
      const double a = recurrence_coefficient(RecurrenceKind::kWilder, p[0]);
      const int n = T - 1;  // number of differences
      V* G = scratch;
      V* L = scratch + T;
      Recurrence<V> gf(a), lf(a);
      for (int j = 0; j < n; ++j) {
        const V d = V(c[j + 1]) - V(c[j]);
        G[j] = gf.step(j, relu(d));
        L[j] = lf.step(j, relu(-d));
      }
      // out = G / S - 0.5 with S = G + L + eps.
      const V S = G[n - 1] + L[n - 1] + kRsiEps;
      const V dG = go[0] * (L[n - 1] + kRsiEps) / (S * S);
      const V dL = -go[0] * G[n - 1] / (S * S);
      RecurrenceAdjoint<V> adj_g(a), adj_l(a);
      for (int j = n - 1; j >= 0; --j) {
        const V d = V(c[j + 1]) - V(c[j]);
        const V g_gain = adj_g.step(j, j == n - 1 ? dG : zero, relu(d), j > 0 ? G[j - 1] : zero);
        const V g_loss = adj_l.step(j, j == n - 1 ? dL : zero, relu(-d), j > 0 ? L[j - 1] : zero);
        // relu'(0) = 0: a flat step moves neither average.
        const V gd = where_positive(d, g_gain) - where_negative(d, g_loss);
        gc[j + 1] += gd;
        gc[j] -= gd;
      }
      gp[0] = (adj_g.grad_a + adj_l.grad_a) * recurrence_coefficient_dp(RecurrenceKind::kWilder, p[0]);
      return;
    }
    case IndicatorKind::kBollinger: {
      const double a = recurrence_coefficient(RecurrenceKind::kEma, p[0]);
      const V k = V(c[last]);  // shift; the output does not depend on it (see recurrence.h)
      V* mu = scratch;
      V* q = scratch + T;
      Recurrence<V> mf(a), qf(a);
      for (int t = 0; t < T; ++t) {
        const V u = V(c[t]) - k;
        mu[t] = mf.step(t, u);
        q[t] = qf.step(t, u * u);
      }
      const V sigma = sqrt_positive(q[last] - mu[last] * mu[last]);
      const V D = 2.0 * sigma + kBollingerEps;
      const V N = V(c[last]) - k - mu[last];
      // out = N / D; N = u_last - mu, D = 2 sqrt(q - mu^2) + eps; d sigma / d var = 1/(2 sigma),
      // taken as 0 at sigma = 0.
      const V dN = go[0] / D;
      const V dvar = (-go[0] * N / (D * D)) * inverse_positive(sigma);
      const V g_mu = -dN - 2.0 * mu[last] * dvar;
      const V g_q = dvar;
      gc[last] += dN;
      RecurrenceAdjoint<V> adj_m(a), adj_q(a);
      for (int t = last; t >= 0; --t) {
        const V u = V(c[t]) - k;
        const bool end = t == last;
        gc[t] += adj_m.step(t, end ? g_mu : zero, u, t > 0 ? mu[t - 1] : zero) +
                 2.0 * u * adj_q.step(t, end ? g_q : zero, u * u, t > 0 ? q[t - 1] : zero);
      }
      gp[0] = (adj_m.grad_a + adj_q.grad_a) * recurrence_coefficient_dp(RecurrenceKind::kEma, p[0]);
      return;
    }
    case IndicatorKind::kMomentum: {
      const FractionalLag lag(T, p[0]);
      const V cn = V(c[lag.near]), cf = V(c[lag.far]), cl = V(c[last]);
      const V den = (1.0 - lag.f) * cn + lag.f * cf;
      const V gden = -go[0] * cl / (den * den);
      gc[last] += go[0] / den;
      gc[lag.near] += gden * (1.0 - lag.f);
      gc[lag.far] += gden * lag.f;
      // Right derivative at integer p: d den / d p = c[far] - c[near] on [n, n+1).
      gp[0] = gden * (cf - cn);
      return;
    }
  }
}

}  // namespace ntp
