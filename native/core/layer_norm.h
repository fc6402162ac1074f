// Layer normalisation over the last axis as one fused op with an analytic backward pass
// (tfjs-layers' LayerNormalization costs a dozen broadcast/tile ops, and Tile's gradient loops
// over every replica on the cpu backend). y = (x - mean) * rstd * gamma + beta,
// rstd = 1 / sqrt(var + epsilon), biased variance, as Keras.
#pragma once
#include <cstdint>

namespace ntp {

// x [rows, dim] -> y [rows, dim]; mean and rstd [rows] are kept for the backward pass.
void layer_norm_forward(int64_t rows, int64_t dim, float epsilon, const float* x, const float* gamma,
                        const float* beta, float* y, float* mean, float* rstd);

// dy [rows, dim] -> dx [rows, dim], dgamma [dim], dbeta [dim].
void layer_norm_backward(int64_t rows, int64_t dim, const float* x, const float* gamma, const float* mean,
                         const float* rstd, const float* dy, float* dx, float* dgamma, float* dbeta);

}  // namespace ntp
