// The composite training loss as a kernel of the `ntp` backend (src/runtime/ntp-backend/kernels/
// loss.ts): core/nn/composite_loss on the host, cuda/composite_loss.cu queued on the tensor stream
// on a GPU, instead of ~500 small kernels for the loss and its gradient.
//
// tensorCompositeLoss({heads [B, 3H], y, d [B, H], total [1], terms [4], grad [B, 3H]: handles,
//   ...the settings of loss_args.h})
// compositeLossMaxHorizons: the most horizons the op holds (core's kMaxLossHorizons)
#include <napi.h>

#include <vector>

#include "../core/nn/composite_loss.h"
#include "../core/nn/device_memory.h"
#include "../core/nn/tensor_ops.h"
#include "args.h"
#include "jobs.h"
#include "loss_args.h"
#include "registry.h"
#include "tensor_args.h"

namespace {

using namespace ntp::binding;
using ntp::Device;
using ntp::TensorBuffer;

Job prepare(const Args& a) {
  const LossArgs l(a);
  const TensorBuffer heads = buffer_arg(a, "heads", l.heads), y = buffer_arg(a, "y", l.targets), d = buffer_arg(a, "d", l.targets),
                     total = buffer_arg(a, "total", 1), terms = buffer_arg(a, "terms", ntp::kLossTerms),
                     grad = buffer_arg(a, "grad", l.heads);
  const Device dev = same_device({grad, heads, y, d, total, terms});
  const ntp::CompositeLoss s = l.spec;
  return {nullptr, [=] {
            if (dev == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              return ntp::tensor::cuda::composite_loss(s, f32_in(heads), f32_in(y), f32_in(d), f32_out(total), f32_out(terms), f32_out(grad));
#endif
            }
            ntp::composite_loss(s, f32_in(heads), f32_in(y), f32_in(d), f32_out(total), f32_out(terms), f32_out(grad));
          }, nullptr};
}

}  // namespace

NTP_BINDING(tensor_loss) {
  export_sync(env, exports, "tensorCompositeLoss", prepare);
  exports.Set("compositeLossMaxHorizons", Napi::Number::New(env, ntp::kMaxLossHorizons));
}
