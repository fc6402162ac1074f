// matMul / matMulAsync over core/gemm: the tfjs BatchMatMul and _FusedMatMul kernels.
//
// matMul({a: Float32Array, aShape: Int32Array, b, bShape, out: Float32Array,
//         transposeA?, transposeB?, bias?: Float32Array, biasShape?: Int32Array,
//         activation?: 'linear'|'relu'|'relu6'|'sigmoid'|'elu'|'leakyrelu', alpha?: number})
// Shapes are full tensor shapes (rank >= 2); batch dims broadcast numpy-style, the bias
// broadcasts against the output shape [...batch, M, N]. `out` must hold the output exactly.
//
// attentionForward({qkv [B*T*3*H*Kd], batch, steps, heads, keyDim, dropout?, seed?,
//   out: {probs? [B*H*T*T] (for the backward pass; leave out at inference), out [B*T*H*Kd]}})
// attentionBackward({qkv, probs, dout [B*T*H*Kd], batch, steps, heads, keyDim, dropout?, seed?,
//   out: {dqkv [B*T*3*H*Kd]}})
// layerNormForward({x [rows*dim], gamma [dim], beta [dim], rows, dim, epsilon,
//   residual? [rows*dim], dropout?, seed?, out: {y [rows*dim], mean? [rows], rstd? [rows], sum? [rows*dim]}})
//   (with `residual`: y = LayerNorm(x + dropout(residual)), s = x + dropout(residual) -> out.sum;
//   mean, rstd and sum are for the backward pass: leave them out at inference)
// layerNormBackward({x (s with a residual), gamma, mean, rstd, dy, rows, dim, dropout?, seed?,
//   out: {dx, dgamma, dbeta, dresidual?}})
// compositeLoss({heads [B*3H], y [B*H], d [B*H], ...the settings of loss_args.h,
//   out: {total [1], terms [4], grad [B*3H]}})
#include <napi.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../core/nn/attention.h"
#include "../core/nn/composite_loss.h"
#include "../core/nn/gemm.h"
#include "../core/nn/layer_norm.h"
#include "activation_arg.h"
#include "attention_args.h"
#include "args.h"
#include "jobs.h"
#include "layer_norm_args.h"
#include "loss_args.h"
#include "mat_mul_plan.h"
#include "registry.h"
#include "sizes.h"

namespace {

using namespace ntp::binding;

std::vector<int64_t> shape_arg(const Args& a, const char* key) {
  std::size_t n = 0;
  const int32_t* s = a.array<int32_t>(key, kAnyLength, &n);
  return std::vector<int64_t>(s, s + n);
}

Job prepare_mat_mul(const Args& a) {
  const auto as = shape_arg(a, "aShape"), bs = shape_arg(a, "bShape");
  const bool has_bias = a.has("bias");
  const auto bias_shape = has_bias ? shape_arg(a, "biasShape") : std::vector<int64_t>();
  const MatMulPlan p = plan_mat_mul(as, bs, a.boolean("transposeA", false), a.boolean("transposeB", false),
                                    has_bias ? &bias_shape : nullptr);
  ntp::GemmArgs g = p.gemm;
  g.a = a.array<float>("a", p.a);
  g.b = a.array<float>("b", p.b);
  g.c = a.output<float>("out", p.out);
  if (has_bias) g.bias = a.array<float>("bias", p.bias);
  g.activation = activation_arg(a);
  g.activation_alpha = static_cast<float>(a.number("alpha", 0.2));
  a.need_memory(ntp::gemm_scratch_bytes(g));
  Job job;
  job.work = [g] { ntp::gemm(g); };
  return job;
}

Job prepare_attention_forward(const Args& a) {
  const ntp::AttentionShape s = attention_shape(a);
  const AttentionSizes n(a, s);
  const float* qkv = a.array<float>("qkv", n.qkv);
  const Args out = a.child("out");
  float* probs = out.has("probs") ? out.output<float>("probs", n.probs) : nullptr;
  float* o = out.output<float>("out", n.ctx);
  a.need_memory(ntp::attention_forward_scratch_bytes(s, probs != nullptr));
  Job job;
  job.work = [=] { ntp::attention_forward(s, qkv, probs, o); };
  return job;
}

Job prepare_attention_backward(const Args& a) {
  const ntp::AttentionShape s = attention_shape(a);
  const AttentionSizes n(a, s);
  const float* qkv = a.array<float>("qkv", n.qkv);
  const float* probs = a.array<float>("probs", n.probs);
  const float* dout = a.array<float>("dout", n.ctx);
  float* dqkv = a.child("out").output<float>("dqkv", n.qkv);
  a.need_memory(ntp::attention_backward_scratch_bytes(s));
  Job job;
  job.work = [=] { ntp::attention_backward(s, qkv, probs, dout, dqkv); };
  return job;
}

Job prepare_layer_norm_forward(const Args& a) {
  const LayerNormSizes z(a);
  const int64_t rows = z.rows, dim = z.dim;
  const std::size_t n = z.n, r = z.r, d = z.d;
  const float eps = epsilon_arg(a);
  const float* x = a.array<float>("x", n);
  const float* gamma = a.array<float>("gamma", d);
  const float* beta = a.array<float>("beta", d);
  const Args out = a.child("out");
  float* y = out.output<float>("y", n);
  float* mean = out.optional_output<float>("mean", r);
  float* rstd = out.optional_output<float>("rstd", r);
  ntp::LayerNormResidual res = residual_arg(a);
  res.residual = a.optional_array<float>("residual", n);
  float* sum = out.optional_output<float>("sum", n);
  Job job;
  job.work = [=] { ntp::layer_norm_forward(rows, dim, eps, x, gamma, beta, y, mean, rstd, res, sum); };
  return job;
}

Job prepare_layer_norm_backward(const Args& a) {
  const LayerNormSizes z(a);
  const int64_t rows = z.rows, dim = z.dim;
  const std::size_t n = z.n, r = z.r, d = z.d;
  const float* x = a.array<float>("x", n);
  const float* gamma = a.array<float>("gamma", d);
  const float* mean = a.array<float>("mean", r);
  const float* rstd = a.array<float>("rstd", r);
  const float* dy = a.array<float>("dy", n);
  const Args out = a.child("out");
  float* dx = out.output<float>("dx", n);
  float* dgamma = out.output<float>("dgamma", d);
  float* dbeta = out.output<float>("dbeta", d);
  const ntp::LayerNormResidual res = residual_arg(a);
  float* dresidual = out.optional_output<float>("dresidual", n);
  Job job;
  job.work = [=] { ntp::layer_norm_backward(rows, dim, x, gamma, mean, rstd, dy, dx, dgamma, dbeta, res, dresidual); };
  return job;
}

Job prepare_composite_loss(const Args& a) {
  const LossArgs l(a);
  const float* heads = a.array<float>("heads", l.heads);
  const float* y = a.array<float>("y", l.targets);
  const float* d = a.array<float>("d", l.targets);
  const Args out = a.child("out");
  float* total = out.output<float>("total", 1);
  float* terms = out.output<float>("terms", ntp::kLossTerms);
  float* grad = out.output<float>("grad", l.heads);
  const ntp::CompositeLoss s = l.spec;
  Job job;
  job.work = [=] { ntp::composite_loss(s, heads, y, d, total, terms, grad); };
  return job;
}

}  // namespace

NTP_BINDING(tensor_kernels) {
  export_job(env, exports, "matMul", prepare_mat_mul);
  export_job(env, exports, "attentionForward", prepare_attention_forward);
  export_job(env, exports, "attentionBackward", prepare_attention_backward);
  export_job(env, exports, "layerNormForward", prepare_layer_norm_forward);
  export_job(env, exports, "layerNormBackward", prepare_layer_norm_backward);
  export_job(env, exports, "compositeLoss", prepare_composite_loss);
}
