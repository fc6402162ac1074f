// Layer normalisation over the last axis as one fused op with an analytic backward pass
// (tfjs-layers' LayerNormalization costs a dozen broadcast/tile ops, and Tile's gradient loops
// over every replica on the cpu backend). y = (x - mean) * rstd * gamma + beta,
// rstd = 1 / sqrt(var + epsilon), biased variance, as Keras.
#pragma once
#include <cstdint>

#include "../hd.h"
#include "dropout_mask.h"

namespace ntp {

// Optional fused residual branch (the Transformer's "x + Dropout(f(x)) -> LayerNorm"):
// s = x + mask * residual / (1 - rate), y = LayerNorm(s); the mask comes from dropout_keep(seed).
struct LayerNormResidual {
  const float* residual = nullptr;  // [rows, dim]; nullptr: y = LayerNorm(x)
  float dropout = 0.0f;             // rate in [0, 1)
  uint64_t seed = 0;
};

// std::invalid_argument for sizes or a dropout rate out of range (the host entry points and the
// CUDA twins, core/nn/tensor_ops.h, check alike).
void check_layer_norm(int64_t rows, int64_t dim, const LayerNormResidual& res);

// Element `index` (= row * dim + j) of s = x + mask * residual / (1 - rate): the one definition
// the host loop and the CUDA kernel share. inv_keep = 1 / (1 - rate).
NTP_HD float layer_norm_input(float x, const LayerNormResidual& res, float inv_keep, uint64_t index) {
  if (!res.residual) return x;
  const bool keep = res.dropout == 0.0f || dropout_keep(res.seed, index, res.dropout);
  return x + (keep ? res.residual[index] * inv_keep : 0.0f);
}

// The residual branch's gradient at `index` from dL/ds there.
NTP_HD float layer_norm_residual_grad(float ds, const LayerNormResidual& res, float inv_keep, uint64_t index) {
  const bool keep = res.dropout == 0.0f || dropout_keep(res.seed, index, res.dropout);
  return keep ? ds * inv_keep : 0.0f;
}

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
