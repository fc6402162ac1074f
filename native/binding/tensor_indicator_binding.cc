// The learnable indicators as kernels of the `ntp` backend (src/runtime/ntp-backend/kernels/
// indicators.ts): one kind over close [B, T] and its periods [K] on tensor buffers, core/
// indicator_layers on the host, cuda/recurrence.cu's passes queued on the tensor stream on a GPU,
// instead of a handful of small kernels per time step and period group.
//
// tensorIndicatorForward({kind, close, periods, out: handles, batch, time, periodCount})  out [B, K]
// tensorIndicatorBackward({kind, close, periods, gradOut, gradClose, gradPeriods: handles, batch,
//   time, periodCount})   gradClose [B, T] and gradPeriods [K] overwritten
// On a GPU the contents are not checked here (they live on the device): the caller checks the
// periods' domain (src/indicators/ops.ts), as the host device's kernel does itself; a zero or
// non-finite close (which data validation refuses upstream) gives inf/NaN features there where
// the host device throws naming it.
#include <napi.h>

#include "../core/indicators/indicator_layers.h"
#include "../core/nn/device_memory.h"
#include "../core/nn/tensor_ops.h"
#include "args.h"
#include "indicator_args.h"
#include "jobs.h"
#include "registry.h"
#include "sizes.h"
#include "tensor_args.h"

namespace {

using namespace ntp::binding;
using ntp::Device;
using ntp::TensorBuffer;

struct Sizes {
  ntp::IndicatorBatch b;  // pointers set once the buffers are resolved
  std::size_t close, periods, out;
};

Sizes sizes_arg(const Args& a) {
  Sizes s;
  s.b.kind = indicator_kind_arg(a);
  s.b.batch = static_cast<int32_t>(a.integer("batch", 0, 1 << 30));
  s.b.time = static_cast<int32_t>(a.integer("time", 1, 1 << 24));
  s.b.period_count = static_cast<int32_t>(a.integer("periodCount", 1, 1 << 24));
  ntp::check_indicator_sizes(s.b);
  s.close = count_of(a.field("close"), {s.b.batch, s.b.time});
  s.periods = static_cast<std::size_t>(s.b.period_count);
  s.out = count_of(a.field("out"), {s.b.batch, s.b.period_count});
  return s;
}

Job prepare_forward(const Args& a) {
  Sizes s = sizes_arg(a);
  const TensorBuffer c = buffer_arg(a, "close", s.close), p = buffer_arg(a, "periods", s.periods), y = buffer_arg(a, "out", s.out);
  const Device d = same_device({y, c, p});
  s.b.close = f32_in(c);
  s.b.periods = f32_in(p);
  const ntp::IndicatorBatch b = s.b;
  return {nullptr, [=] {
            if (d == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              return ntp::tensor::cuda::indicator_forward(b, f32_out(y));
#endif
            }
            ntp::indicator_forward(b, f32_out(y));
          }, nullptr};
}

Job prepare_backward(const Args& a) {
  Sizes s = sizes_arg(a);
  const TensorBuffer c = buffer_arg(a, "close", s.close), p = buffer_arg(a, "periods", s.periods),
                     go = buffer_arg(a, "gradOut", s.out), gc = buffer_arg(a, "gradClose", s.close),
                     gp = buffer_arg(a, "gradPeriods", s.periods);
  const Device d = same_device({gc, gp, c, p, go});
  s.b.close = f32_in(c);
  s.b.periods = f32_in(p);
  const ntp::IndicatorBatch b = s.b;
  const std::size_t scratch_bytes = static_cast<std::size_t>(ntp::indicator_device_backward_scratch(b)) * sizeof(double);
  if (d == Device::kCuda) a.need_memory(static_cast<double>(scratch_bytes));
  return {nullptr, [=] {
            if (d == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              const Scratch scratch(Device::kCuda, scratch_bytes);
              return ntp::tensor::cuda::indicator_backward(b, f32_in(go), f32_out(gc), f32_out(gp), scratch.as<double>());
#endif
            }
            ntp::indicator_backward(b, f32_in(go), f32_out(gc), f32_out(gp));
          }, nullptr};
}

}  // namespace

NTP_BINDING(tensor_indicator) {
  export_sync(env, exports, "tensorIndicatorForward", prepare_forward);
  export_sync(env, exports, "tensorIndicatorBackward", prepare_backward);
}
