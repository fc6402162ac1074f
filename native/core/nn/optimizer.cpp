#include "optimizer.h"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "../thread_pool.h"

namespace ntp {

void check_adam_step(const AdamStep& s) {
  if (s.step < 1) throw std::invalid_argument("step must be >= 1");
  if (!(s.learning_rate > 0) || !(s.beta1 >= 0 && s.beta1 < 1) || !(s.beta2 >= 0 && s.beta2 < 1) || !(s.epsilon > 0))
    throw std::invalid_argument("learning_rate > 0, beta1 and beta2 in [0, 1) and epsilon > 0 are required");
}

AdamScalars adam_scalars(const AdamStep& s, double norm) {
  AdamScalars k;
  k.scale = s.clip_norm > 0 ? static_cast<float>(s.clip_norm / std::fmax(norm, s.clip_norm)) : 1.0f;
  // 1 - beta is formed in double and rounded once, as tfjs does with its scalar operands.
  k.b1 = static_cast<float>(s.beta1);
  k.b2 = static_cast<float>(s.beta2);
  k.one_b1 = static_cast<float>(1.0 - s.beta1);
  k.one_b2 = static_cast<float>(1.0 - s.beta2);
  k.c1 = static_cast<float>(1.0 - std::pow(s.beta1, static_cast<double>(s.step)));
  k.c2 = static_cast<float>(1.0 - std::pow(s.beta2, static_cast<double>(s.step)));
  k.lr = static_cast<float>(s.learning_rate);
  k.eps = static_cast<float>(s.epsilon);
  return k;
}

AdamResult adam_step(const AdamTensor* tensors, std::size_t count, const AdamStep& s) {
  check_adam_step(s);
  // Per-tensor sums in parallel, then added in tensor order: deterministic.
  std::vector<double> sq(count, 0.0), w2(count, 0.0);
  parallel_for(count, 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const AdamTensor& t = tensors[i];
      for (std::size_t k = 0; k < t.size; ++k) adam_sums(t.grad[k], t.param[k], t.l2, &sq[i], &w2[i]);
    }
  });
  AdamResult r;
  double total = 0;
  for (std::size_t i = 0; i < count; ++i) {
    total += sq[i];
    if (tensors[i].l2 != 0) r.penalty += tensors[i].l2 * w2[i];  // (0 * an infinite weight would be NaN)
  }
  r.norm = std::sqrt(total);
  if (!std::isfinite(r.norm)) return r;
  const AdamScalars k = adam_scalars(s, r.norm);
  parallel_for(count, 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const AdamTensor& t = tensors[i];
      float* out = t.out ? t.out : t.param;
      for (std::size_t j = 0; j < t.size; ++j) adam_update(t.param[j], out + j, t.m + j, t.v + j, adam_gradient(t.grad[j], t.param[j], t.l2), k);
    }
  });
  r.applied = true;
  return r;
}

}  // namespace ntp
