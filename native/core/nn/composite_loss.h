// The composite training loss (SPEC §7.1) as one fused op with its analytic gradient: Huber on
// the price head, binary focal on the direction head, Gaussian NLL on the variance head and the
// trend-consistency terms, weighted and summed. tfjs composes it from ~100 small kernels forward
// and ~400 with its gradient and tape copies; here one pass over the batch writes the total, the
// four terms and d total / d heads at once (the gradient is the forward pass's by-product).
// src/losses/*.ts is the definition for every other path; tests hold the two together.
#pragma once
#include <cmath>
#include <cstdint>

#include "../hd.h"

namespace ntp {

// Per-horizon settings are held by value, so the struct reaches a CUDA kernel as an argument.
constexpr int32_t kMaxLossHorizons = 64;

enum LossTerm : int32_t { kPriceTerm = 0, kDirectionTerm, kVarianceTerm, kTrendTerm, kLossTerms };

struct CompositeLoss {
  int64_t batch = 0;
  int32_t horizons = 0;
  float weight[kLossTerms] = {};               // term weights
  float horizon_weight[kMaxLossHorizons] = {}; // of the per-horizon terms (all but trend)
  float alpha[kMaxLossHorizons] = {};          // focal weight of the up class, per horizon
  float price_delta = 1.0f;                    // Huber delta of the price term
  float gamma = 1.0f;                          // focal exponent
  float trend_delta = 1.0f;                    // Huber delta of the trend terms
  float tau = 0.1f;                            // temperature of the agreement term (read only with it)
  bool trend_local = false, trend_global = false, trend_agreement = false;
};

// std::invalid_argument for sizes or parameters out of their domain (SPEC §7.1).
void check_composite_loss(const CompositeLoss& s);

// std::invalid_argument for a null buffer or an output overlapping another buffer (the row
// function reads a row's heads after writing its gradient; host or device pointers alike).
void check_composite_loss_buffers(const CompositeLoss& s, const float* heads, const float* y, const float* d, const float* total,
                                  const float* terms, const float* grad);

// heads [batch, 3H]: row b holds price_h0..h(H-1), direction_h0.., variance_h0..; y and d
// [batch, H] (targets and 0/1 labels). Writes total [1], terms [4] (price, direction, variance,
// trend: before the term weights, horizon weights applied) and grad [batch, 3H] = d total / d heads.
void composite_loss(const CompositeLoss& s, const float* heads, const float* y, const float* d, float* total,
                    float* terms, float* grad);

// Probability clip of the cross-entropy terms (losses/probability.ts).
constexpr float kLossProbEpsilon = 1e-7f;
// Variance floor of the Gaussian NLL (losses/gaussian-nll.ts).
constexpr float kLossMinVariance = 1e-6f;

// Huber of e and its derivative, clamp(e, -delta, delta).
NTP_HD float loss_huber(float e, float delta) {
  const float a = e < 0.0f ? -e : e;
  const float q = a < delta ? a : delta;
  return 0.5f * q * q + delta * (a - q);
}
NTP_HD float loss_huber_grad(float e, float delta) { return e > delta ? delta : (e < -delta ? -delta : e); }

// Row b's share of each term (divided by the batch) added to `terms`, and the row of d total / d heads.
NTP_HD void composite_loss_row(const CompositeLoss& s, int64_t b, const float* heads, const float* y, const float* d,
                               float* grad, double* terms) {
  const int32_t H = s.horizons;
  const float* p = heads + b * 3 * H;
  const float* q = p + H;
  const float* v = q + H;
  const float* t = y + b * H;
  const float* lab = d + b * H;
  float* dp = grad + b * 3 * H;
  float* dq = dp + H;
  float* dv = dq + H;
  const float inv_b = 1.0f / static_cast<float>(s.batch);
  double trend = 0.0;
  for (int32_t h = 0; h < H; ++h) {
    const float hw = s.horizon_weight[h] * inv_b;
    // Price: Huber(p - y).
    const float e = p[h] - t[h];
    terms[kPriceTerm] += static_cast<double>(hw * loss_huber(e, s.price_delta));
    float gp = s.weight[kPriceTerm] * hw * loss_huber_grad(e, s.price_delta);
    // Direction: focal on the clipped probability (no gradient where the clip binds).
    // A NaN passes the clip and the floor, as in tfjs, so a NaN head makes a NaN loss.
    const bool inside = q[h] >= kLossProbEpsilon && q[h] <= 1.0f - kLossProbEpsilon;
    const float pc = q[h] < kLossProbEpsilon ? kLossProbEpsilon : (q[h] > 1.0f - kLossProbEpsilon ? 1.0f - kLossProbEpsilon : q[h]);
    const float om = 1.0f - pc, lp = logf(pc), lm = logf(om);
    const float up = s.alpha[h] * lab[h], down = (1.0f - s.alpha[h]) * (1.0f - lab[h]);
    const float om_g = powf(om, s.gamma), pc_g = powf(pc, s.gamma);
    terms[kDirectionTerm] += static_cast<double>(hw * -(up * om_g * lp + down * pc_g * lm));
    const float dfocal = -(up * (om_g / pc - s.gamma * powf(om, s.gamma - 1.0f) * lp) +
                           down * (s.gamma * powf(pc, s.gamma - 1.0f) * lm - pc_g / om));
    float gq = inside ? s.weight[kDirectionTerm] * hw * dfocal : 0.0f;
    // Variance: 0.5 (ln s2 + (y - mu)^2 / s2), mu the price head, s2 floored.
    const float var = v[h] < kLossMinVariance ? kLossMinVariance : v[h];
    const float r = t[h] - p[h];
    terms[kVarianceTerm] += static_cast<double>(hw * 0.5f * (logf(var) + r * r / var));
    gp += s.weight[kVarianceTerm] * hw * (-r / var);
    dv[h] = v[h] >= kLossMinVariance ? s.weight[kVarianceTerm] * hw * 0.5f * (1.0f / var - r * r / (var * var)) : 0.0f;
    // Trend agreement: BCE(p_h, sigmoid(price_h / tau)), mean over batch and horizons.
    if (s.trend_agreement) {
      const float w = inv_b / static_cast<float>(H);
      const float sg = 1.0f / (1.0f + expf(-p[h] / s.tau));
      trend += static_cast<double>(w * -(sg * lp + (1.0f - sg) * lm));
      if (inside) gq += s.weight[kTrendTerm] * w * -(sg / pc - (1.0f - sg) / om);
      gp += s.weight[kTrendTerm] * w * -(lp - lm) * sg * (1.0f - sg) / s.tau;
    }
    dp[h] = gp;
    dq[h] = gq;
  }
  // Trend local: adjacent horizon pairs; global: first to last. Each step's Huber gradient goes
  // to its later price with a plus and its earlier one with a minus.
  const auto step = [&](int32_t i, int32_t j, float w) {
    const float e = (p[j] - p[i]) - (t[j] - t[i]);
    trend += static_cast<double>(w * loss_huber(e, s.trend_delta));
    const float g = s.weight[kTrendTerm] * w * loss_huber_grad(e, s.trend_delta);
    dp[j] += g;
    dp[i] -= g;
  };
  if (s.trend_local)
    for (int32_t i = 0; i + 1 < H; ++i) step(i, i + 1, inv_b / static_cast<float>(H - 1));
  if (s.trend_global) step(0, H - 1, inv_b);
  terms[kTrendTerm] += trend;
}

// The weighted sum of the accumulated terms, written as float.
NTP_HD void composite_loss_finish(const CompositeLoss& s, const double* sums, float* total, float* terms) {
  double sum = 0.0;
  for (int32_t k = 0; k < kLossTerms; ++k) {
    terms[k] = static_cast<float>(sums[k]);
    sum += static_cast<double>(s.weight[k]) * sums[k];
  }
  *total = static_cast<float>(sum);
}

}  // namespace ntp
