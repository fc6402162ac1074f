// Multi-head self-attention as kernels of the `ntp` backend (src/runtime/ntp-backend/kernels/
// attention.ts): core/nn/attention on the host, cuda/attention.cu queued on the tensor stream on
// a GPU, reading Q, K, V from the packed projection in place, instead of the transposes, batched
// products, softmax and dropout kernels of the tfjs-op form and their gradients.
//
// tensorAttentionForward({qkv, probs, out: handles, batch, steps, heads, keyDim, dropout?, seed?})
//   (probs [B, H, T, T]: the softmax before dropout, for the backward pass)
// tensorAttentionBackward({qkv, probs, dout, dqkv: handles, batch, steps, heads, keyDim, dropout?, seed?})
#include <napi.h>

#include "../core/nn/attention.h"
#include "../core/nn/device_memory.h"
#include "../core/nn/tensor_ops.h"
#include "args.h"
#include "attention_args.h"
#include "jobs.h"
#include "registry.h"
#include "tensor_args.h"

namespace {

using namespace ntp::binding;
using ntp::Device;
using ntp::TensorBuffer;

// Working memory of one pass: the host kernel's own (checked against the call's memory limit) or
// the CUDA twin's scratch from the device allocator.
double scratch_bytes(const Args& a, Device d, const ntp::AttentionShape& s, bool backward) {
  if (d == Device::kHost) {
    const double bytes = backward ? ntp::attention_backward_scratch_bytes(s) : ntp::attention_forward_scratch_bytes(s, true);
    a.need_memory(bytes);
    return 0;
  }
#ifdef NTP_HAVE_CUDA
  const double bytes = static_cast<double>(ntp::tensor::cuda::attention_device_scratch(s, backward)) * sizeof(float);
  a.need_memory(bytes);
  return bytes;
#else
  return 0;
#endif
}

Job prepare_forward(const Args& a) {
  const ntp::AttentionShape s = attention_shape(a);
  const AttentionSizes n(a, s);
  const TensorBuffer qkv = buffer_arg(a, "qkv", n.qkv), probs = buffer_arg(a, "probs", n.probs), o = buffer_arg(a, "out", n.ctx);
  const Device d = same_device({o, qkv, probs});
  const std::size_t bytes = static_cast<std::size_t>(scratch_bytes(a, d, s, false));
  return {nullptr, [=] {
            if (d == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              const Scratch scratch(Device::kCuda, bytes);
              return ntp::tensor::cuda::attention_forward(s, f32_in(qkv), f32_out(probs), f32_out(o), scratch.as<float>());
#endif
            }
            ntp::attention_forward(s, f32_in(qkv), f32_out(probs), f32_out(o));
          }, nullptr};
}

Job prepare_backward(const Args& a) {
  const ntp::AttentionShape s = attention_shape(a);
  const AttentionSizes n(a, s);
  const TensorBuffer qkv = buffer_arg(a, "qkv", n.qkv), probs = buffer_arg(a, "probs", n.probs), dout = buffer_arg(a, "dout", n.ctx),
                     dqkv = buffer_arg(a, "dqkv", n.qkv);
  const Device d = same_device({dqkv, qkv, probs, dout});
  const std::size_t bytes = static_cast<std::size_t>(scratch_bytes(a, d, s, true));
  return {nullptr, [=] {
            if (d == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              const Scratch scratch(Device::kCuda, bytes);
              return ntp::tensor::cuda::attention_backward(s, f32_in(qkv), f32_in(probs), f32_in(dout), f32_out(dqkv), scratch.as<float>());
#endif
            }
            ntp::attention_backward(s, f32_in(qkv), f32_in(probs), f32_in(dout), f32_out(dqkv));
          }, nullptr};
}

}  // namespace

NTP_BINDING(tensor_attention) {
  export_sync(env, exports, "tensorAttentionForward", prepare_forward);
  export_sync(env, exports, "tensorAttentionBackward", prepare_backward);
}
