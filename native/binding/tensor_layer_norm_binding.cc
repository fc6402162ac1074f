// Layer normalisation (with the Transformer's fused residual + dropout) as kernels of the `ntp`
// backend (src/runtime/ntp-backend/kernels/layer-norm.ts): core/nn/layer_norm on the host,
// cuda/layer_norm.cu queued on the tensor stream on a GPU, instead of a dozen small kernels
// forward and two dozen backward per normalisation.
//
// tensorLayerNormForward({x, gamma, beta, y, mean, rstd, residual?, sum?: handles, rows, dim,
//   epsilon, dropout?, seed?})   (with `residual`, s = x + dropout(residual) is written to `sum`)
// tensorLayerNormBackward({x (s with a residual), gamma, mean, rstd, dy, dx, dgamma, dbeta,
//   dresidual?: handles, rows, dim, dropout?, seed?})
#include <napi.h>

#include <stdexcept>
#include <vector>

#include "../core/nn/device_memory.h"
#include "../core/nn/layer_norm.h"
#include "../core/nn/tensor_ops.h"
#include "args.h"
#include "jobs.h"
#include "layer_norm_args.h"
#include "registry.h"
#include "tensor_args.h"

namespace {

using namespace ntp::binding;
using ntp::Device;
using ntp::TensorBuffer;

Job prepare_forward(const Args& a) {
  const LayerNormSizes z(a);
  const float eps = epsilon_arg(a);
  const bool residual = a.has("residual");
  if (residual != a.has("sum")) throw std::invalid_argument(a.field("residual") + " and " + a.field("sum") + " come together");
  const TensorBuffer x = buffer_arg(a, "x", z.n), g = buffer_arg(a, "gamma", z.d), b = buffer_arg(a, "beta", z.d),
                     y = buffer_arg(a, "y", z.n), m = buffer_arg(a, "mean", z.r), rs = buffer_arg(a, "rstd", z.r);
  std::vector<TensorBuffer> all{y, x, g, b, m, rs};
  ntp::LayerNormResidual res = residual_arg(a);
  float* sum = nullptr;
  if (residual) {
    const TensorBuffer r = buffer_arg(a, "residual", z.n), s = buffer_arg(a, "sum", z.n);
    all.insert(all.end(), {r, s});
    res.residual = f32_in(r);
    sum = f32_out(s);
  }
  const Device d = same_device(all);
  const int64_t rows = z.rows, dim = z.dim;
  return {nullptr, [=] {
            if (d == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              return ntp::tensor::cuda::layer_norm_forward(rows, dim, eps, f32_in(x), f32_in(g), f32_in(b), f32_out(y), f32_out(m), f32_out(rs), res, sum);
#endif
            }
            ntp::layer_norm_forward(rows, dim, eps, f32_in(x), f32_in(g), f32_in(b), f32_out(y), f32_out(m), f32_out(rs), res, sum);
          }, nullptr};
}

Job prepare_backward(const Args& a) {
  const LayerNormSizes z(a);
  const TensorBuffer x = buffer_arg(a, "x", z.n), g = buffer_arg(a, "gamma", z.d), m = buffer_arg(a, "mean", z.r),
                     rs = buffer_arg(a, "rstd", z.r), dy = buffer_arg(a, "dy", z.n), dx = buffer_arg(a, "dx", z.n),
                     dg = buffer_arg(a, "dgamma", z.d), db = buffer_arg(a, "dbeta", z.d);
  std::vector<TensorBuffer> all{dx, x, g, m, rs, dy, dg, db};
  const ntp::LayerNormResidual res = residual_arg(a);
  float* dres = nullptr;
  if (a.has("dresidual")) {
    const TensorBuffer r = buffer_arg(a, "dresidual", z.n);
    all.push_back(r);
    dres = f32_out(r);
  }
  const Device d = same_device(all);
  const int64_t rows = z.rows, dim = z.dim;
  return {nullptr, [=] {
            if (d == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              return ntp::tensor::cuda::layer_norm_backward(rows, dim, f32_in(x), f32_in(g), f32_in(m), f32_in(rs), f32_in(dy), f32_out(dx), f32_out(dg), f32_out(db),
                                                            res, dres);
#endif
            }
            ntp::layer_norm_backward(rows, dim, f32_in(x), f32_in(g), f32_in(m), f32_in(rs), f32_in(dy), f32_out(dx), f32_out(dg), f32_out(db), res, dres);
          }, nullptr};
}

}  // namespace

NTP_BINDING(tensor_layer_norm) {
  export_sync(env, exports, "tensorLayerNormForward", prepare_forward);
  export_sync(env, exports, "tensorLayerNormBackward", prepare_backward);
}
