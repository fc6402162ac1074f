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
#include <napi.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../core/attention.h"
#include "../core/gemm.h"
#include "../core/layer_norm.h"
#include "args.h"
#include "jobs.h"
#include "registry.h"

namespace {

using namespace ntp::binding;

std::vector<int64_t> shape_arg(const Args& a, const char* key, std::size_t min_rank) {
  std::size_t n = 0;
  const int32_t* s = a.array<int32_t>(key, kAnyLength, &n);
  if (n < min_rank)
    throw Napi::RangeError::New(a.env(), a.field(key) + " must have rank >= " + std::to_string(min_rank) +
                                             " (got " + std::to_string(n) + ")");
  std::vector<int64_t> out(s, s + n);
  for (int64_t d : out)
    if (d < 0) throw Napi::RangeError::New(a.env(), a.field(key) + " has a negative dimension");
  return out;
}

int64_t product(const std::vector<int64_t>& s) {
  int64_t p = 1;
  for (int64_t d : s) p *= d;
  return p;
}

// Element strides of `shape` (right-aligned) along each dim of `target`; 0 where it broadcasts.
// `inner` is the size of the trailing dims of `shape` that are not part of `target`.
std::vector<int64_t> broadcast_strides(const Args& a, const char* key, const std::vector<int64_t>& shape,
                                       const std::vector<int64_t>& target, int64_t inner) {
  if (shape.size() > target.size())
    throw Napi::RangeError::New(a.env(), a.field(key) + " has more batch dims than the output");
  std::vector<int64_t> strides(target.size(), 0);
  int64_t stride = inner;
  for (std::size_t k = 0; k < shape.size(); ++k) {
    const std::size_t ds = shape.size() - 1 - k, dt = target.size() - 1 - k;
    if (shape[ds] != 1 && shape[ds] != target[dt])
      throw Napi::RangeError::New(a.env(), a.field(key) + " dim " + std::to_string(ds) + " (" +
                                               std::to_string(shape[ds]) + ") does not broadcast to " +
                                               std::to_string(target[dt]));
    strides[dt] = shape[ds] == 1 ? 0 : stride;
    stride *= shape[ds];
  }
  return strides;
}

ntp::Activation activation_arg(const Args& a) {
  const std::string s = a.string("activation", "linear");
  if (s == "linear") return ntp::Activation::kLinear;
  if (s == "relu") return ntp::Activation::kRelu;
  if (s == "relu6") return ntp::Activation::kRelu6;
  if (s == "sigmoid") return ntp::Activation::kSigmoid;
  if (s == "elu") return ntp::Activation::kElu;
  if (s == "leakyrelu") return ntp::Activation::kLeakyRelu;
  throw Napi::RangeError::New(a.env(), a.field("activation") +
                                           " must be linear, relu, relu6, sigmoid, elu or leakyrelu (got \"" + s + "\")");
}

Job prepare_mat_mul(const Napi::CallbackInfo& info) {
  Args a(info.Env(), info[0], "matMul: options");
  const auto as = shape_arg(a, "aShape", 2), bs = shape_arg(a, "bShape", 2);
  ntp::GemmArgs g;
  g.trans_a = a.boolean("transposeA", false);
  g.trans_b = a.boolean("transposeB", false);
  const int64_t ar = as[as.size() - 2], ac = as.back(), br = bs[bs.size() - 2], bc = bs.back();
  g.M = g.trans_a ? ac : ar;
  g.K = g.trans_a ? ar : ac;
  g.N = g.trans_b ? br : bc;
  const int64_t kb = g.trans_b ? bc : br;
  if (kb != g.K)
    throw Napi::RangeError::New(info.Env(), "matMul: inner dimensions differ: a " + std::to_string(g.K) +
                                                " vs b " + std::to_string(kb) + " (transposeA=" +
                                                std::to_string(g.trans_a) + ", transposeB=" + std::to_string(g.trans_b) + ")");
  g.lda = ac;
  g.ldb = bc;
  g.ldc = g.N;
  // Output batch shape: numpy broadcast of the two operands' batch dims.
  const std::vector<int64_t> a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
  std::vector<int64_t> out_batch(std::max(a_batch.size(), b_batch.size()), 1);
  for (std::size_t k = 0; k < out_batch.size(); ++k) {
    const int64_t da = k < a_batch.size() ? a_batch[a_batch.size() - 1 - k] : 1;
    const int64_t db = k < b_batch.size() ? b_batch[b_batch.size() - 1 - k] : 1;
    if (da != db && da != 1 && db != 1)
      throw Napi::RangeError::New(info.Env(), "matMul: batch dims " + std::to_string(da) + " and " +
                                                  std::to_string(db) + " do not broadcast");
    out_batch[out_batch.size() - 1 - k] = std::max(da, db);
  }
  if (out_batch.size() > static_cast<std::size_t>(ntp::kMaxBatchRank))
    throw Napi::RangeError::New(info.Env(), "matMul: at most " + std::to_string(ntp::kMaxBatchRank) + " batch dims");
  const auto sa = broadcast_strides(a, "aShape", a_batch, out_batch, ar * ac);
  const auto sb = broadcast_strides(a, "bShape", b_batch, out_batch, br * bc);
  g.batch.rank = static_cast<int32_t>(out_batch.size());
  int64_t c_stride = g.M * g.N;
  for (std::size_t d = out_batch.size(); d-- > 0;) {
    g.batch.dims[d] = out_batch[d];
    g.batch.a[d] = sa[d];
    g.batch.b[d] = sb[d];
    g.batch.c[d] = c_stride;
    c_stride *= out_batch[d];
  }
  g.a = a.array<float>("a", static_cast<std::size_t>(product(as)));
  g.b = a.array<float>("b", static_cast<std::size_t>(product(bs)));
  g.c = a.array<float>("out", static_cast<std::size_t>(product(out_batch) * g.M * g.N));
  if (a.has("bias")) {
    const auto bias_shape = shape_arg(a, "biasShape", 0);
    std::vector<int64_t> out_shape = out_batch;
    out_shape.push_back(g.M);
    out_shape.push_back(g.N);
    const auto st = broadcast_strides(a, "biasShape", bias_shape, out_shape, 1);
    g.bias = a.array<float>("bias", static_cast<std::size_t>(product(bias_shape)));
    g.bias_rs = st[st.size() - 2];
    g.bias_cs = st.back();
    for (std::size_t d = 0; d < out_batch.size(); ++d) g.batch.bias[d] = st[d];
  }
  g.activation = activation_arg(a);
  g.activation_alpha = static_cast<float>(a.number("alpha", 0.2));
  Job job;
  for (const char* k : {"a", "b", "out", "bias"}) if (a.has(k)) job.keep_alive.push_back(a.value(k));
  job.work = [g] { ntp::gemm(g); };
  return job;
}

constexpr int64_t kMaxDim = int64_t{1} << 24;

std::size_t sz(int64_t v) { return static_cast<std::size_t>(v); }

ntp::AttentionShape attention_shape(const Args& a) {
  ntp::AttentionShape s;
  s.batch = a.integer("batch", 1, kMaxDim);
  s.steps = a.integer("steps", 1, kMaxDim);
  s.heads = a.integer("heads", 1, kMaxDim);
  s.key_dim = a.integer("keyDim", 1, kMaxDim);
  const double rate = a.number("dropout", 0.0);
  if (!(rate >= 0.0 && rate < 1.0))
    throw Napi::RangeError::New(a.env(), a.field("dropout") + " must be in [0, 1) (got " + std::to_string(rate) + ")");
  s.dropout = static_cast<float>(rate);
  s.seed = static_cast<uint64_t>(a.integer("seed", 0, (int64_t{1} << 53) - 1, 0));
  return s;
}

Job prepare_attention_forward(const Napi::CallbackInfo& info) {
  Args a(info.Env(), info[0], "attentionForward: options");
  const ntp::AttentionShape s = attention_shape(a);
  const int64_t BT = s.batch * s.steps, HK = s.heads * s.key_dim;
  const float* qkv = a.array<float>("qkv", sz(BT * 3 * HK));
  Args out(info.Env(), a.value("out"), a.field("out"));
  float* probs = out.optional_array<float>("probs", sz(s.batch * s.heads * s.steps * s.steps));
  float* o = out.array<float>("out", sz(BT * HK));
  Job job;
  for (const char* k : {"qkv", "out"}) job.keep_alive.push_back(a.value(k));
  job.work = [=] { ntp::attention_forward(s, qkv, probs, o); };
  return job;
}

Job prepare_attention_backward(const Napi::CallbackInfo& info) {
  Args a(info.Env(), info[0], "attentionBackward: options");
  const ntp::AttentionShape s = attention_shape(a);
  const int64_t BT = s.batch * s.steps, HK = s.heads * s.key_dim;
  const float* qkv = a.array<float>("qkv", sz(BT * 3 * HK));
  const float* probs = a.array<float>("probs", sz(s.batch * s.heads * s.steps * s.steps));
  const float* dout = a.array<float>("dout", sz(BT * HK));
  Args out(info.Env(), a.value("out"), a.field("out"));
  float* dqkv = out.array<float>("dqkv", sz(BT * 3 * HK));
  Job job;
  for (const char* k : {"qkv", "probs", "dout", "out"}) job.keep_alive.push_back(a.value(k));
  job.work = [=] { ntp::attention_backward(s, qkv, probs, dout, dqkv); };
  return job;
}

ntp::LayerNormResidual residual_arg(const Args& a) {
  ntp::LayerNormResidual r;
  const double rate = a.number("dropout", 0.0);
  if (!(rate >= 0.0 && rate < 1.0))
    throw Napi::RangeError::New(a.env(), a.field("dropout") + " must be in [0, 1) (got " + std::to_string(rate) + ")");
  r.dropout = static_cast<float>(rate);
  r.seed = static_cast<uint64_t>(a.integer("seed", 0, (int64_t{1} << 53) - 1, 0));
  return r;
}

Job prepare_layer_norm_forward(const Napi::CallbackInfo& info) {
  Args a(info.Env(), info[0], "layerNormForward: options");
  const int64_t rows = a.integer("rows", 0, int64_t{1} << 40), dim = a.integer("dim", 1, kMaxDim);
  const double eps = a.number("epsilon");
  if (!(eps > 0)) throw Napi::RangeError::New(info.Env(), a.field("epsilon") + " must be > 0");
  const float* x = a.array<float>("x", sz(rows * dim));
  const float* gamma = a.array<float>("gamma", sz(dim));
  const float* beta = a.array<float>("beta", sz(dim));
  Args out(info.Env(), a.value("out"), a.field("out"));
  float* y = out.array<float>("y", sz(rows * dim));
  float* mean = out.optional_array<float>("mean", sz(rows));
  float* rstd = out.optional_array<float>("rstd", sz(rows));
  ntp::LayerNormResidual res = residual_arg(a);
  res.residual = a.optional_array<float>("residual", sz(rows * dim));
  float* sum = out.optional_array<float>("sum", sz(rows * dim));
  Job job;
  for (const char* k : {"x", "gamma", "beta", "out"}) job.keep_alive.push_back(a.value(k));
  if (res.residual) job.keep_alive.push_back(a.value("residual"));
  job.work = [=] { ntp::layer_norm_forward(rows, dim, static_cast<float>(eps), x, gamma, beta, y, mean, rstd, res, sum); };
  return job;
}

Job prepare_layer_norm_backward(const Napi::CallbackInfo& info) {
  Args a(info.Env(), info[0], "layerNormBackward: options");
  const int64_t rows = a.integer("rows", 0, int64_t{1} << 40), dim = a.integer("dim", 1, kMaxDim);
  const float* x = a.array<float>("x", sz(rows * dim));
  const float* gamma = a.array<float>("gamma", sz(dim));
  const float* mean = a.array<float>("mean", sz(rows));
  const float* rstd = a.array<float>("rstd", sz(rows));
  const float* dy = a.array<float>("dy", sz(rows * dim));
  Args out(info.Env(), a.value("out"), a.field("out"));
  float* dx = out.array<float>("dx", sz(rows * dim));
  float* dgamma = out.array<float>("dgamma", sz(dim));
  float* dbeta = out.array<float>("dbeta", sz(dim));
  const ntp::LayerNormResidual res = residual_arg(a);
  float* dresidual = out.optional_array<float>("dresidual", sz(rows * dim));
  Job job;
  for (const char* k : {"x", "gamma", "mean", "rstd", "dy", "out"}) job.keep_alive.push_back(a.value(k));
  job.work = [=] { ntp::layer_norm_backward(rows, dim, x, gamma, mean, rstd, dy, dx, dgamma, dbeta, res, dresidual); };
  return job;
}

}  // namespace

NTP_BINDING(tensor_kernels) {
  export_job(env, exports, "matMul", prepare_mat_mul);
  export_job(env, exports, "attentionForward", prepare_attention_forward);
  export_job(env, exports, "attentionBackward", prepare_attention_backward);
  export_job(env, exports, "layerNormForward", prepare_layer_norm_forward);
  export_job(env, exports, "layerNormBackward", prepare_layer_norm_backward);
}
