// Fused attention on the CPU: the four products are strided, batched GEMMs over (batch, head)
// reading the packed projection in place; the row softmax and its backward run on the pool.
#include "attention.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "gemm.h"
#include "gemm_math.h"
#include "../thread_pool.h"

namespace ntp {

void check_attention_shape(const AttentionShape& s) {
  auto bad = [](const char* what, int64_t v) {
    throw std::invalid_argument(std::string("attention: ") + what + " must be >= 1 (got " + std::to_string(v) + ")");
  };
  if (s.batch < 1) bad("batch", s.batch);
  if (s.steps < 1) bad("steps", s.steps);
  if (s.heads < 1) bad("heads", s.heads);
  if (s.key_dim < 1) bad("key_dim", s.key_dim);
  if (!(s.dropout >= 0.0f && s.dropout < 1.0f))
    throw std::invalid_argument("attention: dropout must be in [0, 1) (got " + std::to_string(s.dropout) + ")");
}

namespace {

// A (batch, head)-batched product whose operands are [T, Kd] slices of packed buffers.
GemmArgs per_head(const AttentionShape& s) {
  GemmArgs g;
  g.batch.rank = 2;
  g.batch.dims[0] = s.batch;
  g.batch.dims[1] = s.heads;
  return g;
}

// Operand layouts: slot `which` (0 = Q, 1 = K, 2 = V) of the packed qkv, the merged context,
// and the [B, H, T, T] score matrices.
struct Layout {
  int64_t T, HK, row_qkv, row_ctx;
  explicit Layout(const AttentionShape& s)
      : T(s.steps), HK(s.heads * s.key_dim), row_qkv(3 * s.heads * s.key_dim), row_ctx(s.heads * s.key_dim) {}
};

void set_qkv(GemmArgs& g, char operand, const AttentionShape& s, const Layout& l, int which) {
  int64_t* strides = operand == 'a' ? g.batch.a : operand == 'b' ? g.batch.b : g.batch.c;
  strides[0] = l.T * l.row_qkv;
  strides[1] = s.key_dim;
  const int64_t offset = which * l.HK;
  // Null operands (those a pass does not use) stay null: no arithmetic on null pointers.
  if (operand == 'a') { g.lda = l.row_qkv; return void(g.a = g.a ? g.a + offset : nullptr); }
  if (operand == 'b') { g.ldb = l.row_qkv; return void(g.b = g.b ? g.b + offset : nullptr); }
  g.ldc = l.row_qkv;
  g.c = g.c ? g.c + offset : nullptr;
}

void set_scores(GemmArgs& g, char operand, const Layout& l, int64_t heads) {
  int64_t* strides = operand == 'a' ? g.batch.a : operand == 'b' ? g.batch.b : g.batch.c;
  strides[0] = heads * l.T * l.T;
  strides[1] = l.T * l.T;
  if (operand == 'a') g.lda = l.T;
  else if (operand == 'b') g.ldb = l.T;
  else g.ldc = l.T;
}

void set_ctx(GemmArgs& g, char operand, const AttentionShape& s, const Layout& l) {
  int64_t* strides = operand == 'a' ? g.batch.a : operand == 'b' ? g.batch.b : g.batch.c;
  strides[0] = l.T * l.row_ctx;
  strides[1] = s.key_dim;
  if (operand == 'a') g.lda = l.row_ctx;
  else if (operand == 'b') g.ldb = l.row_ctx;
  else g.ldc = l.row_ctx;
}

// The batched product restricted to one (batch, head) entry: each head's whole forward or
// backward pass then runs as one task, its [T, T] weights staying in that core's cache.
GemmArgs one_head(const GemmArgs& g, int64_t b, int64_t h) {
  GemmArgs o = g;
  // A null operand is one the caller sets per head (again no arithmetic on null pointers).
  if (o.a) o.a += b * g.batch.a[0] + h * g.batch.a[1];
  if (o.b) o.b += b * g.batch.b[0] + h * g.batch.b[1];
  if (o.c) o.c += b * g.batch.c[0] + h * g.batch.c[1];
  o.batch = GemmBatch::strided(1, 0, 0, 0);
  o.serial = true;  // heads are the parallel unit
  return o;
}

// One head's [T, T] weights with dropout applied (scaled by 1/keep), into `dst`; r0 is the head's
// first row in the [B*H*T, T] weights, which numbers the mask's elements.
void dropped_rows(const AttentionShape& s, const float* weights, float* dst, int64_t r0) {
  const int64_t T = s.steps;
  for (int64_t i = 0; i < T * T; ++i) dst[i] = attention_dropped(s, weights[i], static_cast<uint64_t>(r0 * T + i));
}

// Per-thread buffer for the [B*H*T, T] temporaries (~10 MB at the reference size), reused
// across calls: a fresh one costs a page fault per 4 KiB and its zero fill on every call.
float* scratch(std::vector<float>& buf, std::size_t n) {
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}
thread_local std::vector<float> tls_weights, tls_grads;
thread_local std::vector<float> tls_head;  // one head's [T, T] weights when they are not kept

// Runs fn(b, h) for every head, heads spread over the pool (GEMMs inside run inline).
template <typename Fn>
void for_each_head(const AttentionShape& s, Fn fn) {
  parallel_for(static_cast<std::size_t>(s.batch * s.heads), 1, [&](std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i) fn(static_cast<int64_t>(i) / s.heads, static_cast<int64_t>(i) % s.heads);
  });
}

}  // namespace

AttentionGemms attention_gemms(const AttentionShape& s, const float* qkv, float* weights, const float* dropped, float* out,
                               const float* dout, float* dweights, float* dqkv) {
  const Layout l(s);
  const int64_t T = s.steps;
  AttentionGemms p;
  // scores = Q K^T  [T, Kd] x [Kd, T]
  GemmArgs& g = p.scores;
  g = per_head(s);
  g.M = T; g.N = T; g.K = s.key_dim; g.trans_b = true;
  g.a = qkv; g.b = qkv; g.c = weights;
  set_qkv(g, 'a', s, l, 0);
  set_qkv(g, 'b', s, l, 1);
  set_scores(g, 'c', l, s.heads);
  // out = W V  [T, T] x [T, Kd], written into the merged [B, T, H, Kd] context
  GemmArgs& o = p.context;
  o = per_head(s);
  o.M = T; o.N = s.key_dim; o.K = T;
  o.a = dropped; o.b = qkv; o.c = out;
  set_scores(o, 'a', l, s.heads);
  set_qkv(o, 'b', s, l, 2);
  set_ctx(o, 'c', s, l);
  // dV = W^T dO  ([T, T]^T x [T, Kd])
  GemmArgs& gv = p.dv;
  gv = per_head(s);
  gv.M = T; gv.N = s.key_dim; gv.K = T; gv.trans_a = true;
  gv.a = dropped; gv.b = dout; gv.c = dqkv;
  set_scores(gv, 'a', l, s.heads);
  set_ctx(gv, 'b', s, l);
  set_qkv(gv, 'c', s, l, 2);
  // dW = dO V^T  ([T, Kd] x [Kd, T])
  GemmArgs& gw = p.dw;
  gw = per_head(s);
  gw.M = T; gw.N = T; gw.K = s.key_dim; gw.trans_b = true;
  gw.a = dout; gw.b = qkv; gw.c = dweights;
  set_ctx(gw, 'a', s, l);
  set_qkv(gw, 'b', s, l, 2);
  set_scores(gw, 'c', l, s.heads);
  // dQ = dS K, dK = dS^T Q
  GemmArgs& gq = p.dq;
  gq = per_head(s);
  gq.M = T; gq.N = s.key_dim; gq.K = T;
  gq.a = dweights; gq.b = qkv; gq.c = dqkv;
  set_scores(gq, 'a', l, s.heads);
  set_qkv(gq, 'b', s, l, 1);
  set_qkv(gq, 'c', s, l, 0);
  GemmArgs& gk = p.dk;
  gk = per_head(s);
  gk.M = T; gk.N = s.key_dim; gk.K = T; gk.trans_a = true;
  gk.a = dweights; gk.b = qkv; gk.c = dqkv;
  set_scores(gk, 'a', l, s.heads);
  set_qkv(gk, 'b', s, l, 0);
  set_qkv(gk, 'c', s, l, 1);
  return p;
}

double attention_forward_scratch_bytes(const AttentionShape& s, bool keeps_probs) {
  const double tt = static_cast<double>(s.steps) * static_cast<double>(s.steps) * sizeof(float);
  const double heads = static_cast<double>(s.batch) * static_cast<double>(s.heads);
  return (keeps_probs ? 0.0 : tt * static_cast<double>(thread_count())) + (s.dropout > 0.0f ? tt * heads : 0.0);
}

double attention_backward_scratch_bytes(const AttentionShape& s) {
  const double tt = static_cast<double>(s.steps) * static_cast<double>(s.steps) * sizeof(float);
  return tt * static_cast<double>(s.batch) * static_cast<double>(s.heads) * (s.dropout > 0.0f ? 2.0 : 1.0);
}

void attention_forward(const AttentionShape& s, const float* qkv, float* probs, float* out) {
  check_attention_shape(s);
  if (!qkv || !out) throw std::invalid_argument("attention: null buffer");
  const int64_t T = s.steps;
  float* tmp = s.dropout > 0.0f ? scratch(tls_weights, static_cast<std::size_t>(s.batch * s.heads * T * T)) : nullptr;
  // Per head: the weights are that head's rows of `probs`, or without `probs` a per-thread [T, T]
  // scratch that stays in cache; the context reads them after dropout when training.
  const AttentionGemms p = attention_gemms(s, qkv, probs, tmp ? tmp : probs, out, nullptr, nullptr, nullptr);
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.key_dim));
  for_each_head(s, [&](int64_t b, int64_t h) {
    const int64_t r0 = (b * s.heads + h) * T;
    float* w = probs ? probs + r0 * T : scratch(tls_head, static_cast<std::size_t>(T * T));
    GemmArgs scores = one_head(p.scores, b, h);
    scores.c = w;
    gemm(scores);
    for (int64_t r = 0; r < T; ++r) {  // row softmax of scale * scores, in place
      float* row = w + r * T;
      // The reductions are vectorised by `omp simd` (lane-wise partials combined in a fixed
      // order, so still deterministic); plain loops stay scalar without -ffast-math.
      float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
      for (int64_t j = 0; j < T; ++j) mx = std::max(mx, row[j] * scale);
      for (int64_t j = 0; j < T; ++j) row[j] = fast_expf(row[j] * scale - mx);  // vectorised
      float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
      for (int64_t j = 0; j < T; ++j) sum += row[j];
      const float inv = 1.0f / sum;
      for (int64_t j = 0; j < T; ++j) row[j] *= inv;
    }
    GemmArgs ctx = one_head(p.context, b, h);
    ctx.a = w;
    if (tmp) {
      ctx.a = tmp + r0 * T;
      dropped_rows(s, w, tmp + r0 * T, r0);
    }
    gemm(ctx);
  });
}

void attention_backward(const AttentionShape& s, const float* qkv, const float* probs, const float* dout,
                        float* dqkv) {
  check_attention_shape(s);
  if (!qkv || !probs || !dout || !dqkv) throw std::invalid_argument("attention: null buffer");
  const int64_t T = s.steps, rows = s.batch * s.heads * T;
  float* dw = scratch(tls_grads, static_cast<std::size_t>(rows * T));  // dL/d(weights), then dL/d(scores)
  float* tmp = s.dropout > 0.0f ? scratch(tls_weights, static_cast<std::size_t>(rows * T)) : nullptr;
  const AttentionGemms p = attention_gemms(s, qkv, nullptr, tmp ? tmp : probs, nullptr, dout, dw, dqkv);
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.key_dim));
  const float inv_keep = s.dropout > 0.0f ? 1.0f / (1.0f - s.dropout) : 1.0f;
  for_each_head(s, [&](int64_t b, int64_t h) {
    const int64_t r0 = (b * s.heads + h) * T;
    if (tmp) dropped_rows(s, probs + r0 * T, tmp + r0 * T, r0);
    gemm(one_head(p.dv, b, h));
    gemm(one_head(p.dw, b, h));
    // Through dropout and the softmax: dS = scale * P (dP - rowsum(dP P)), in place in dw.
    for (int64_t r = r0; r < r0 + T; ++r) {
      float* d = dw + r * T;
      const float* pr = probs + r * T;
      if (tmp) {
        // The mask is where the dropped weights are non-zero (no second hash per element): a
        // kept weight that is 0 has p = 0, which zeroes its dS term below either way.
        const float* wr = tmp + r * T;
        for (int64_t j = 0; j < T; ++j) d[j] = wr[j] != 0.0f ? d[j] * inv_keep : 0.0f;
      }
      float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
      for (int64_t j = 0; j < T; ++j) dot += d[j] * pr[j];
      for (int64_t j = 0; j < T; ++j) d[j] = scale * pr[j] * (d[j] - dot);
    }
    gemm(one_head(p.dq, b, h));
    gemm(one_head(p.dk, b, h));
  });
}

}  // namespace ntp
