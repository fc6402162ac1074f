// Per-(row, group) math of the learnable indicator layers (SPEC §5), shared verbatim by the CPU
// kernels (indicator_layers.cpp) and the CUDA twin (cuda/recurrence.cu). A "group" is what one
// output block depends on: one period (MA, RSI, Bollinger, momentum) or one (fast, slow, signal)
// triple (MACD). Every layer is built from the single Recurrence / RecurrenceAdjoint pair in
// recurrence.h; outputs are taken at the last step, so the backward pass only receives the
// gradient at the last step and costs O(T) per group with no [B, T, K] tensor of upstream grads.
#pragma once
#include <cmath>

#include "hd.h"
#include "recurrence.h"

namespace ntp {

enum class IndicatorKind : int { kMa = 0, kMacd = 1, kRsi = 2, kBollinger = 3, kMomentum = 4 };

constexpr double kRsiEps = 1e-8;        // G / (G + L + eps)
constexpr double kBollingerEps = 1e-8;  // (c - mu) / (2 sigma + eps)

NTP_HD int indicator_group_width(IndicatorKind k) { return k == IndicatorKind::kMacd ? 3 : 1; }

// Doubles of scratch one group's backward pass needs for a window of T steps.
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
NTP_HD void indicator_group_forward(IndicatorKind kind, const float* c, int T, const float* p,
                                    float* out) {
  const int last = T - 1;
  switch (kind) {
    case IndicatorKind::kMa: {
      Recurrence y(recurrence_coefficient(RecurrenceKind::kEma, p[0]));
      for (int t = 0; t < T; ++t) y.step(t, c[t]);
      out[0] = static_cast<float>(y.y / c[last] - 1.0);
      return;
    }
    case IndicatorKind::kMacd: {
      Recurrence f(recurrence_coefficient(RecurrenceKind::kEma, p[0]));
      Recurrence s(recurrence_coefficient(RecurrenceKind::kEma, p[1]));
      Recurrence g(recurrence_coefficient(RecurrenceKind::kEma, p[2]));
      double m = 0.0;
      for (int t = 0; t < T; ++t) {
        m = f.step(t, c[t]) - s.step(t, c[t]);
        g.step(t, m);
      }
      out[0] = static_cast<float>(m);
      out[1] = static_cast<float>(g.y);
      out[2] = static_cast<float>(m - g.y);
      return;
    }
    case IndicatorKind::kRsi: {
      // Wilder averages over the T-1 differences, seeded with the first one (index j = t-1).
      const double a = recurrence_coefficient(RecurrenceKind::kWilder, p[0]);
      Recurrence G(a), L(a);
      for (int t = 1; t < T; ++t) {
        const double d = static_cast<double>(c[t]) - c[t - 1];
        G.step(t - 1, d > 0 ? d : 0.0);
        L.step(t - 1, d < 0 ? -d : 0.0);
      }
      out[0] = static_cast<float>(G.y / (G.y + L.y + kRsiEps) - 0.5);
      return;
    }
    case IndicatorKind::kBollinger: {
      // Shift by the last close before squaring (see recurrence.h): u = c - c_last.
      const double a = recurrence_coefficient(RecurrenceKind::kEma, p[0]);
      const double k = c[last];
      Recurrence mu(a), q(a);
      for (int t = 0; t < T; ++t) {
        const double u = c[t] - k;
        mu.step(t, u);
        q.step(t, u * u);
      }
      const double var = q.y - mu.y * mu.y;
      const double sigma = var > 0 ? sqrt(var) : 0.0;
      out[0] = static_cast<float>((static_cast<double>(c[last]) - k - mu.y) /
                                  (2.0 * sigma + kBollingerEps));
      return;
    }
    case IndicatorKind::kMomentum: {
      const FractionalLag lag(T, p[0]);
      const double den = (1.0 - lag.f) * c[lag.near] + lag.f * c[lag.far];
      out[0] = static_cast<float>(c[last] / den - 1.0);
      return;
    }
  }
}

// Reverse pass of one group given `go` = dL/d(outputs) at the last step. Adds the group's
// dL/dc into `gc` (T doubles, accumulated across groups by the caller) and writes the group's
// dL/dp into `gp` (indicator_group_width entries). `scratch` holds indicator_scratch doubles:
// the forward series are recomputed there rather than kept from the forward call.
NTP_HD void indicator_group_backward(IndicatorKind kind, const float* c, int T, const float* p,
                                     const float* go, double* gc, double* gp, double* scratch) {
  const int last = T - 1;
  switch (kind) {
    case IndicatorKind::kMa: {
      const double a = recurrence_coefficient(RecurrenceKind::kEma, p[0]);
      double* y = scratch;
      Recurrence fwd(a);
      for (int t = 0; t < T; ++t) y[t] = fwd.step(t, c[t]);
      // out = y_last / c_last - 1
      const double cl = c[last];
      gc[last] -= go[0] * y[last] / (cl * cl);
      RecurrenceAdjoint adj(a);
      for (int t = last; t >= 0; --t)
        gc[t] += adj.step(t, t == last ? go[0] / cl : 0.0, c[t], t > 0 ? y[t - 1] : 0.0);
      gp[0] = adj.grad_a * recurrence_coefficient_dp(RecurrenceKind::kEma, p[0]);
      return;
    }
    case IndicatorKind::kMacd: {
      double* ef = scratch;
      double* es = scratch + T;
      double* sg = scratch + 2 * T;
      const double af = recurrence_coefficient(RecurrenceKind::kEma, p[0]);
      const double as = recurrence_coefficient(RecurrenceKind::kEma, p[1]);
      const double ag = recurrence_coefficient(RecurrenceKind::kEma, p[2]);
      Recurrence f(af), s(as), g(ag);
      for (int t = 0; t < T; ++t) {
        ef[t] = f.step(t, c[t]);
        es[t] = s.step(t, c[t]);
        sg[t] = g.step(t, ef[t] - es[t]);
      }
      // hist = macd - signal, so its gradient splits onto the other two outputs.
      const double g_macd = static_cast<double>(go[0]) + go[2];
      const double g_signal = static_cast<double>(go[1]) - go[2];
      RecurrenceAdjoint adj_f(af), adj_s(as), adj_g(ag);
      for (int t = last; t >= 0; --t) {
        const bool first = t == 0;
        // dL/dmacd_t: through the signal recurrence, plus the direct output at the last step.
        const double dm = adj_g.step(t, t == last ? g_signal : 0.0, ef[t] - es[t],
                                     first ? 0.0 : sg[t - 1]) +
                          (t == last ? g_macd : 0.0);
        gc[t] += adj_f.step(t, dm, c[t], first ? 0.0 : ef[t - 1]) +
                 adj_s.step(t, -dm, c[t], first ? 0.0 : es[t - 1]);
      }
      gp[0] = adj_f.grad_a * recurrence_coefficient_dp(RecurrenceKind::kEma, p[0]);
      gp[1] = adj_s.grad_a * recurrence_coefficient_dp(RecurrenceKind::kEma, p[1]);
      gp[2] = adj_g.grad_a * recurrence_coefficient_dp(RecurrenceKind::kEma, p[2]);
      return;
    }
    case IndicatorKind::kRsi: {
      const double a = recurrence_coefficient(RecurrenceKind::kWilder, p[0]);
      const int n = T - 1;  // number of differences
      double* G = scratch;
      double* L = scratch + T;
      Recurrence gf(a), lf(a);
      for (int j = 0; j < n; ++j) {
        const double d = static_cast<double>(c[j + 1]) - c[j];
        G[j] = gf.step(j, d > 0 ? d : 0.0);
        L[j] = lf.step(j, d < 0 ? -d : 0.0);
      }
      // out = G / S - 0.5 with S = G + L + eps.
      const double S = G[n - 1] + L[n - 1] + kRsiEps;
      const double dG = go[0] * (L[n - 1] + kRsiEps) / (S * S);
      const double dL = -go[0] * G[n - 1] / (S * S);
      RecurrenceAdjoint adj_g(a), adj_l(a);
      for (int j = n - 1; j >= 0; --j) {
        const double d = static_cast<double>(c[j + 1]) - c[j];
        const double gain = d > 0 ? d : 0.0, loss = d < 0 ? -d : 0.0;
        const double g_gain = adj_g.step(j, j == n - 1 ? dG : 0.0, gain, j > 0 ? G[j - 1] : 0.0);
        const double g_loss = adj_l.step(j, j == n - 1 ? dL : 0.0, loss, j > 0 ? L[j - 1] : 0.0);
        // relu'(0) = 0: a flat step moves neither average.
        const double gd = (d > 0 ? g_gain : 0.0) - (d < 0 ? g_loss : 0.0);
        gc[j + 1] += gd;
        gc[j] -= gd;
      }
      gp[0] = (adj_g.grad_a + adj_l.grad_a) * recurrence_coefficient_dp(RecurrenceKind::kWilder, p[0]);
      return;
    }
    case IndicatorKind::kBollinger: {
      const double a = recurrence_coefficient(RecurrenceKind::kEma, p[0]);
      const double k = c[last];  // shift; the output does not depend on it (see recurrence.h)
      double* mu = scratch;
      double* q = scratch + T;
      Recurrence mf(a), qf(a);
      for (int t = 0; t < T; ++t) {
        const double u = c[t] - k;
        mu[t] = mf.step(t, u);
        q[t] = qf.step(t, u * u);
      }
      const double var = q[last] - mu[last] * mu[last];
      const double sigma = var > 0 ? sqrt(var) : 0.0;
      const double D = 2.0 * sigma + kBollingerEps;
      const double N = static_cast<double>(c[last]) - k - mu[last];
      // out = N / D; N = u_last - mu, D = 2 sqrt(q - mu^2) + eps.
      const double dN = go[0] / D;
      const double dvar = sigma > 0 ? (-go[0] * N / (D * D)) * 2.0 / (2.0 * sigma) : 0.0;
      const double g_mu = -dN - 2.0 * mu[last] * dvar;
      const double g_q = dvar;
      gc[last] += dN;
      RecurrenceAdjoint adj_m(a), adj_q(a);
      for (int t = last; t >= 0; --t) {
        const double u = c[t] - k;
        const bool end = t == last;
        gc[t] += adj_m.step(t, end ? g_mu : 0.0, u, t > 0 ? mu[t - 1] : 0.0) +
                 2.0 * u * adj_q.step(t, end ? g_q : 0.0, u * u, t > 0 ? q[t - 1] : 0.0);
      }
      gp[0] = (adj_m.grad_a + adj_q.grad_a) * recurrence_coefficient_dp(RecurrenceKind::kEma, p[0]);
      return;
    }
    case IndicatorKind::kMomentum: {
      const FractionalLag lag(T, p[0]);
      const double den = (1.0 - lag.f) * c[lag.near] + lag.f * c[lag.far];
      const double gden = -go[0] * c[last] / (den * den);
      gc[last] += go[0] / den;
      gc[lag.near] += gden * (1.0 - lag.f);
      gc[lag.far] += gden * lag.f;
      // Right derivative at integer p: d den / d p = c[far] - c[near] on [n, n+1).
      gp[0] = gden * (static_cast<double>(c[lag.far]) - c[lag.near]);
      return;
    }
  }
}

}  // namespace ntp
