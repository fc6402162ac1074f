// Binary elementwise float32 ops with the broadcasts a network's hot paths produce: equal sizes,
// a scalar, or one operand repeating as a trailing block (bias-like [.., C] op [C]). These are
// the gradient accumulations and residual/bias adds that dominate tfjs's pure-JS Add/Multiply,
// and the ReLU forward (max with a scalar 0) and backward (dy where y > 0) of the Transformer FFN.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ntp {

// kMax: a > b ? a : b (a NaN gives b); kReluGrad: b > 0 ? a : 0 (a = dy, b = the ReLU output).
enum BinaryOp : int32_t { kAdd = 0, kSub = 1, kMul = 2, kMax = 3, kReluGrad = 4 };

// out[i] = a[i % na] op b[i % nb] for i < n, where n = max(na, nb) and each of na, nb is n or
// divides n (the caller guarantees the shapes broadcast that way). Threaded for large n.
void binary_broadcast(BinaryOp op, const float* a, std::size_t na, const float* b, std::size_t nb, float* out);

}  // namespace ntp
