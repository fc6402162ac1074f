// The attention's shape and buffer sizes as both attention bindings read them
// (tensor_kernels_binding.cc on typed arrays, tensor_attention_binding.cc on the ntp backend's
// tensor buffers).
#pragma once
#include <cstddef>
#include <cstdint>

#include "../core/nn/attention.h"
#include "args.h"
#include "dropout_arg.h"
#include "sizes.h"

namespace ntp::binding {

inline ntp::AttentionShape attention_shape(const Args& a) {
  constexpr int64_t kMaxDim = int64_t{1} << 24;
  ntp::AttentionShape s;
  s.batch = a.integer("batch", 1, kMaxDim);
  s.steps = a.integer("steps", 1, kMaxDim);
  s.heads = a.integer("heads", 1, kMaxDim);
  s.key_dim = a.integer("keyDim", 1, kMaxDim);
  const DropoutArg d = dropout_arg(a);
  s.dropout = d.rate;
  s.seed = d.seed;
  return s;
}

// Element counts (checked: a product past 2^53 is a RangeError) of the packed projection
// [B, T, 3, H, Kd], the context [B, T, H, Kd] and the weights [B, H, T, T].
struct AttentionSizes {
  std::size_t qkv, ctx, probs;
  AttentionSizes(const Args& a, const ntp::AttentionShape& s)
      : qkv(count_of(a.field("qkv"), {s.batch, s.steps, 3, s.heads, s.key_dim})),
        ctx(count_of(a.field("out"), {s.batch, s.steps, s.heads, s.key_dim})),
        probs(count_of(a.field("probs"), {s.batch, s.heads, s.steps, s.steps})) {}
};

}  // namespace ntp::binding
