// Fused Adam step with gradient clipping by global norm, over every trainable tensor at once.
// Replaces ~10 small tfjs ops per variable per step (the largest cost left in a cpu-backend
// training step). Same arithmetic as tf.train.adam: m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
// p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps), in float32 like tfjs, with the
// gradients first scaled by clip / max(norm, clip) (tf.clip_by_global_norm).
// A tensor's L2 penalty (the loss term l2 * sum(p^2)) is applied here too: its gradient
// l2 * (2 p) is added before the norm, as the tape would add it, and its value is returned, so
// the penalty costs no tfjs ops (on the `ntp` backend it was a quarter of a step's kernels).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "../hd.h"

namespace ntp {

struct AdamStep {
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-7;
  int64_t step = 1;          // 1-based step number t (bias corrections use b^t)
  double clip_norm = 0;      // <= 0: no clipping
};

struct AdamTensor {
  float* param;
  const float* grad;
  float* m;
  float* v;
  std::size_t size;
  float l2 = 0;          // the L2 penalty's coefficient (0: none)
  float* out = nullptr;  // where the updated parameters go (param is then only read); null: param in place
};

struct AdamResult {
  double norm = 0;      // global gradient norm before clipping, penalty gradients included
  double penalty = 0;   // sum over tensors of l2 * sum(p^2), before the update
  bool applied = false; // false when the norm is not finite: nothing was changed
};

// Updates every tensor (in place, or into `out`). The norm is summed in a fixed order (deterministic for any
// thread count). A NaN or infinite gradient leaves every tensor as it was (applied = false), so
// one bad batch cannot turn the weights into NaN before the caller sees it.
AdamResult adam_step(const AdamTensor* tensors, std::size_t count, const AdamStep& s);

// The float32 constants of one step, given the global gradient norm (shared with the CUDA twin).
struct AdamScalars {
  float scale, b1, b2, one_b1, one_b2, c1, c2, lr, eps;
};
// std::invalid_argument for a step or hyperparameter out of range.
void check_adam_step(const AdamStep& s);
AdamScalars adam_scalars(const AdamStep& s, double norm);

// The gradient a step uses: the loss's, plus the L2 penalty's as tfjs forms it, l2 * (2 p).
NTP_HD float adam_gradient(float grad, float param, float l2) { return l2 == 0.f ? grad : grad + l2 * (2.f * param); }

// One tensor's share of the norm and the penalty (accumulated in double by the caller).
NTP_HD void adam_sums(float grad, float param, float l2, double* squares, double* weight_squares) {
  const double g = adam_gradient(grad, param, l2);
  *squares += g * g;
  *weight_squares += static_cast<double>(param) * param;
}

// One element's update (`grad` from adam_gradient), the new parameter written to *out: the body
// the host loop and the CUDA kernel both run.
NTP_HD void adam_update(float param, float* out, float* m, float* v, float grad, const AdamScalars& k) {
  const float g = grad * k.scale;
  const float mm = k.b1 * *m + k.one_b1 * g;
  const float vv = k.b2 * *v + k.one_b2 * g * g;
  *m = mm;
  *v = vv;
  *out = param - k.lr * (mm / k.c1) / (sqrtf(vv / k.c2) + k.eps);
}

}  // namespace ntp
