// Scalar math shared verbatim by the CPU GEMM/LSTM kernels and their CUDA twins.
#pragma once
#include <cmath>

#include "gemm.h"
#include "hd.h"

namespace ntp {

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
