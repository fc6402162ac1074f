// Fused Adam step with gradient clipping by global norm, over every trainable tensor at once.
// Replaces ~10 small tfjs ops per variable per step (the largest cost left in a cpu-backend
// training step). Same arithmetic as tf.train.adam: m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
// p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps), in float32 like tfjs, with the
// gradients first scaled by clip / max(norm, clip) (tf.clip_by_global_norm).
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
};

// Updates every tensor in place; returns the global gradient norm before clipping. The norm is
// summed in a fixed order (deterministic for any thread count).
double adam_step(const AdamTensor* tensors, std::size_t count, const AdamStep& s);

// The float32 constants of one step, given the global gradient norm (shared with the CUDA twin).
struct AdamScalars {
  float scale, b1, b2, one_b1, one_b2, c1, c2, lr, eps;
};
// std::invalid_argument for a step or hyperparameter out of range.
void check_adam_step(const AdamStep& s);
AdamScalars adam_scalars(const AdamStep& s, double norm);

// One element's update: the body the host loop and the CUDA kernel both run.
NTP_HD void adam_update(float* param, float* m, float* v, float grad, const AdamScalars& k) {
  const float g = grad * k.scale;
  const float mm = k.b1 * *m + k.one_b1 * g;
  const float vv = k.b2 * *v + k.one_b2 * g * g;
  *m = mm;
  *v = vv;
  *param -= k.lr * (mm / k.c1) / (sqrtf(vv / k.c2) + k.eps);
}

}  // namespace ntp
