// Layer normalisation over the last axis as one fused op with an analytic backward pass
// (tfjs-layers' LayerNormalization costs a dozen broadcast/tile ops, and Tile's gradient loops
// over every replica on the cpu backend). y = (x - mean) * rstd * gamma + beta,
// rstd = 1 / sqrt(var + epsilon), biased variance, as Keras.
#pragma once
#include <cstdint>

namespace ntp {

// Optional fused residual branch (the Transformer's "x + Dropout(f(x)) -> LayerNorm"):
// s = x + mask * residual / (1 - rate), y = LayerNorm(s); the mask comes from dropout_keep(seed).
struct LayerNormResidual {
  const float* residual = nullptr;  // [rows, dim]; nullptr: y = LayerNorm(x)
  float dropout = 0.0f;             // rate in [0, 1)
  uint64_t seed = 0;
};

// x [rows, dim] -> y [rows, dim]; mean and rstd [rows] are kept for the backward pass, and with a
// residual the normalised input s is written to `sum` [rows, dim] (the backward pass's input).
// mean, rstd and sum may be null when no backward pass follows (inference).
void layer_norm_forward(int64_t rows, int64_t dim, float epsilon, const float* x, const float* gamma,
                        const float* beta, float* y, float* mean, float* rstd,
                        const LayerNormResidual& res = {}, float* sum = nullptr);

// dy [rows, dim] -> dx [rows, dim] (= dL/ds), dgamma [dim], dbeta [dim]; `x` is what was
// normalised (s when there was a residual). With a residual branch pass `dresidual` (and the
// forward pass's dropout/seed in `res`; its pointer is not read): dresidual = dx * mask / (1 - rate).
void layer_norm_backward(int64_t rows, int64_t dim, const float* x, const float* gamma, const float* mean,
                         const float* rstd, const float* dy, float* dx, float* dgamma, float* dbeta,
                         const LayerNormResidual& res = {}, float* dresidual = nullptr);

}  // namespace ntp
