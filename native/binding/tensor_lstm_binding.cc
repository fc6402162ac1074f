// The LSTM as one kernel of the `ntp` backend (src/runtime/ntp-backend/kernels/lstm.ts): the whole
// sequence forward and its BPTT on tensor buffers, core/lstm on the host, cuda/lstm.cu's passes
// queued on the tensor stream on a GPU, instead of ~20 small kernels per time step.
//
// tensorLstmForward({x, kernel, recurrentKernel, bias, h, gates, cells: handles, batch, steps,
//   features, units, goBackwards?})   (h [B, T, U] processing order, gates [B, T, 4U], cells [B, T, U])
// tensorLstmBackward({x, kernel, recurrentKernel, h, gates, cells, dh, dx, dKernel, dRecurrentKernel,
//   dBias: handles, batch, steps, features, units, goBackwards?})
#include <napi.h>

#include "../core/nn/device_memory.h"
#include "../core/nn/lstm.h"
#include "../core/nn/tensor_ops.h"
#include "args.h"
#include "jobs.h"
#include "lstm_args.h"
#include "registry.h"
#include "sizes.h"
#include "tensor_args.h"

namespace {

using namespace ntp::binding;
using ntp::Device;
using ntp::TensorBuffer;

Job prepare_forward(const Args& a) {
  const ntp::LstmShape s = lstm_shape_arg(a);
  const LstmSizes n(a, s);
  const TensorBuffer x = buffer_arg(a, "x", n.x), k = buffer_arg(a, "kernel", n.kernel),
                     r = buffer_arg(a, "recurrentKernel", n.recurrent), b = buffer_arg(a, "bias", n.bias),
                     h = buffer_arg(a, "h", n.seq), g = buffer_arg(a, "gates", n.gates), c = buffer_arg(a, "cells", n.seq);
  const Device d = same_device({h, g, c, x, k, r, b});
  if (d == Device::kHost) a.need_memory(ntp::lstm_scratch_bytes(s, ntp::LstmPass::kForward));
  const ntp::LstmWeights w{f32_in(k), f32_in(r), f32_in(b)};
  const ntp::LstmForwardOut o{f32_out(h), f32_out(g), f32_out(c)};
  return {nullptr, [=] {
            if (d == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              return ntp::tensor::cuda::lstm_forward(s, f32_in(x), w, o);
#endif
            }
            ntp::lstm_forward(s, f32_in(x), w, o);
          }, nullptr};
}

Job prepare_backward(const Args& a) {
  const ntp::LstmShape s = lstm_shape_arg(a);
  const LstmSizes n(a, s);
  const TensorBuffer x = buffer_arg(a, "x", n.x), k = buffer_arg(a, "kernel", n.kernel),
                     r = buffer_arg(a, "recurrentKernel", n.recurrent), h = buffer_arg(a, "h", n.seq),
                     g = buffer_arg(a, "gates", n.gates), c = buffer_arg(a, "cells", n.seq), dh = buffer_arg(a, "dh", n.seq),
                     dx = buffer_arg(a, "dx", n.x), dk = buffer_arg(a, "dKernel", n.kernel),
                     dr = buffer_arg(a, "dRecurrentKernel", n.recurrent), db = buffer_arg(a, "dBias", n.bias);
  const Device d = same_device({dx, dk, dr, db, x, k, r, h, g, c, dh});
  const double scratch_bytes = d == Device::kHost ? ntp::lstm_scratch_bytes(s, ntp::LstmPass::kBackward)
                                                  : static_cast<double>(ntp::lstm_device_backward_scratch(s)) * sizeof(float);
  a.need_memory(scratch_bytes);
  const ntp::LstmWeights w{f32_in(k), f32_in(r), nullptr};
  const ntp::LstmGrads grads{f32_out(dx), f32_out(dk), f32_out(dr), f32_out(db)};
  return {nullptr, [=] {
            if (d == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              const Scratch scratch(Device::kCuda, static_cast<std::size_t>(scratch_bytes));
              return ntp::tensor::cuda::lstm_backward(s, f32_in(x), w, f32_in(h), f32_in(g), f32_in(c), f32_in(dh), grads, scratch.as<float>());
#endif
            }
            ntp::lstm_backward(s, f32_in(x), w, f32_in(h), f32_in(g), f32_in(c), f32_in(dh), grads);
          }, nullptr};
}

}  // namespace

NTP_BINDING(tensor_lstm) {
  export_sync(env, exports, "tensorLstmForward", prepare_forward);
  export_sync(env, exports, "tensorLstmBackward", prepare_backward);
}
