// Fused multi-head self-attention core for the tfjs cpu backend: softmax(scale Q K^T) V for all
// heads at once, reading Q, K, V straight out of the packed projection [B, T, 3, H, Kd] and
// writing the context already merged as [B, T, H, Kd] (no transposes), with optional dropout on
// the attention weights. The dropout mask is a pure function of (seed, index), so the backward
// pass regenerates it instead of storing it.
#pragma once
#include <cstdint>

#include "dropout_mask.h"
#include "gemm.h"

namespace ntp {

struct AttentionShape {
  int64_t batch = 0, steps = 0, heads = 0, key_dim = 0;
  float dropout = 0.0f;  // rate in [0, 1); 0 disables
  uint64_t seed = 0;
};

void check_attention_shape(const AttentionShape& s);

// Bytes of working memory a call allocates beyond its arguments (the per-thread [T, T] weights
// when `probs` is not kept, the dropped weights and the weight gradients), as a double so that
// no shape overflows it: the binding refuses calls above its memory limit before they start.
double attention_forward_scratch_bytes(const AttentionShape& s, bool keeps_probs);
double attention_backward_scratch_bytes(const AttentionShape& s);

// The attention's six products, batched over (batch, head) on whole [B, H, T, T] weight buffers
// (the host runs them head by head, the CUDA twin as whole launches). Pointers a pass does not
// use may be null.
//   scores:  weights = Q K^T              context: out = dropped V       (forward)
//   dv: dqkv[V] = dropped^T dout    dw: dweights = dout V^T
//   dq: dqkv[Q] = dweights K        dk: dqkv[K] = dweights^T Q           (backward, dweights
//   holding dL/dscores by then)
struct AttentionGemms {
  GemmArgs scores, context, dv, dw, dq, dk;
};
AttentionGemms attention_gemms(const AttentionShape& s, const float* qkv, float* weights, const float* dropped, float* out,
                               const float* dout, float* dweights, float* dqkv);

// The dropped weights: element i of the [B*H*T, T] weights, kept with probability 1 - rate and
// scaled by 1 / (1 - rate) (the host loop and the CUDA kernel share it).
NTP_HD float attention_dropped(const AttentionShape& s, float weight, uint64_t index) {
  return dropout_keep(s.seed, index, s.dropout) ? weight * (1.0f / (1.0f - s.dropout)) : 0.0f;
}

// qkv [B, T, 3*H*Kd] -> probs [B, H, T, T] (softmax before dropout, kept for backward),
// out [B, T, H*Kd]. probs may be null when no backward pass follows (inference): the weights
// then never leave a per-thread scratch.
void attention_forward(const AttentionShape& s, const float* qkv, float* probs, float* out);

// dout [B, T, H*Kd] -> dqkv [B, T, 3*H*Kd]; probs from the forward pass with the same seed.
void attention_backward(const AttentionShape& s, const float* qkv, const float* probs, const float* dout,
                        float* dqkv);

}  // namespace ntp
