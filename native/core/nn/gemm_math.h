// Scalar math shared verbatim by the CPU GEMM/LSTM kernels and their CUDA twins.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "gemm.h"
#include "../hd.h"

namespace ntp {

// exp for float32 in branch-free arithmetic the compiler vectorises (std::exp is a scalar libm
// call per element, which dominated the softmax and the LSTM cell math). Cody-Waite range
// reduction x = n ln2 + r, |r| <= ln2/2, a degree-6 polynomial for e^r, then 2^n through the
// exponent bits; relative error ~2e-7 over the clamped range [-87.3, 88] (2^n stays a normal
// float). Device code calls expf.
NTP_HD float fast_expf(float x) {
#if defined(__CUDA_ARCH__)
  return expf(x);
#else
  x = x > 88.0f ? 88.0f : x;  // (plain selects: std::fmin/fmax's NaN rules block vectorising)
  x = x < -87.3f ? -87.3f : x;
  // Round to nearest by adding and subtracting 1.5 * 2^23 (exact for |v| < 2^22; the compiler
  // may not reassociate it without -ffast-math).
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
#endif
}

NTP_HD float fast_sigmoidf(float x) { return 1.0f / (1.0f + fast_expf(-x)); }

// tanh(x) = sign(x) (1 - e^{-2|x|}) / (1 + e^{-2|x|}); absolute error ~1e-7 (relative accuracy
// degrades only for |x| < 1e-3, where the LSTM needs no more than absolute accuracy).
NTP_HD float fast_tanhf(float x) {
  const float ax = x < 0.0f ? -x : x;
  const float e = fast_expf(-2.0f * ax);
  const float t = (1.0f - e) / (1.0f + e);
  return x < 0.0f ? -t : t;
}

// Same definitions as tfjs's cpu kernels (Relu6 clamps to [0, 6], Elu uses exp(x) - 1).
NTP_HD float apply_activation(Activation act, float x, float alpha) {
  switch (act) {
    case Activation::kRelu: return x > 0.0f ? x : 0.0f;
    case Activation::kRelu6: return x < 0.0f ? 0.0f : (x > 6.0f ? 6.0f : x);
    case Activation::kSigmoid: return 1.0f / (1.0f + expf(-x));
    case Activation::kElu: return x >= 0.0f ? x : expf(x) - 1.0f;
    case Activation::kLeakyRelu: return x >= 0.0f ? x : alpha * x;
    case Activation::kLinear: default: return x;
  }
}

NTP_HD float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

}  // namespace ntp
