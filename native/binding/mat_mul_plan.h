// matMul's shape logic (tfjs BatchMatMul / _FusedMatMul) as plain C++: full tensor shapes ->
// the GemmArgs (pointers left null) and the element count each buffer must hold. Node-free so
// the fuzz harness drives it with the kernel; the binding adds the typed arrays.
#pragma once
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/nn/gemm.h"
#include "sizes.h"

namespace ntp::binding {

struct MatMulPlan {
  GemmArgs gemm;
  std::size_t a = 0, b = 0, out = 0, bias = 0;  // elements each buffer must hold
};

namespace mat_mul_detail {

inline std::invalid_argument bad(const std::string& m) { return std::invalid_argument("matMul: options." + m); }

// Element strides of `shape` (right-aligned) along each dim of `target`; 0 where it broadcasts.
// `inner` is the size of the trailing dims of `shape` that are not part of `target`.
inline std::vector<int64_t> broadcast_strides(const char* key, const std::vector<int64_t>& shape,
                                              const std::vector<int64_t>& target, int64_t inner) {
  if (shape.size() > target.size()) throw bad(std::string(key) + " has more batch dims than the output");
  std::vector<int64_t> strides(target.size(), 0);
  int64_t stride = inner;
  for (std::size_t k = 0; k < shape.size(); ++k) {
    const std::size_t ds = shape.size() - 1 - k, dt = target.size() - 1 - k;
    if (shape[ds] != 1 && shape[ds] != target[dt])
      throw bad(std::string(key) + " dim " + std::to_string(ds) + " (" + std::to_string(shape[ds]) +
                ") does not broadcast to " + std::to_string(target[dt]));
    strides[dt] = shape[ds] == 1 ? 0 : stride;
    stride *= shape[ds];
  }
  return strides;
}

inline std::size_t count(const char* key, const std::vector<int64_t>& shape) {
  return count_of(std::string("matMul: options.") + key, shape.data(), shape.size());
}

inline void check_dims(const char* key, const std::vector<int64_t>& shape, std::size_t min_rank) {
  if (shape.size() < min_rank)
    throw bad(std::string(key) + " must have rank >= " + std::to_string(min_rank) + " (got " + std::to_string(shape.size()) + ")");
  for (int64_t d : shape)
    if (d < 0) throw bad(std::string(key) + " has a negative dimension");
}

}  // namespace mat_mul_detail

// Throws std::invalid_argument (bad shapes) or SizeError (counts past kMaxElements), both
// naming the option. `bias_shape` null: no bias.
inline MatMulPlan plan_mat_mul(const std::vector<int64_t>& as, const std::vector<int64_t>& bs, bool trans_a,
                               bool trans_b, const std::vector<int64_t>* bias_shape) {
  using namespace mat_mul_detail;
  check_dims("aShape", as, 2);
  check_dims("bShape", bs, 2);
  MatMulPlan p;
  // Counts first: every product below is then bounded by one of them.
  p.a = count("aShape", as);
  p.b = count("bShape", bs);
  GemmArgs& g = p.gemm;
  g.trans_a = trans_a;
  g.trans_b = trans_b;
  const int64_t ar = as[as.size() - 2], ac = as.back(), br = bs[bs.size() - 2], bc = bs.back();
  g.M = trans_a ? ac : ar;
  g.K = trans_a ? ar : ac;
  g.N = trans_b ? br : bc;
  const int64_t kb = trans_b ? bc : br;
  if (kb != g.K)
    throw std::invalid_argument("matMul: inner dimensions differ: a " + std::to_string(g.K) + " vs b " +
                                std::to_string(kb) + " (transposeA=" + std::to_string(trans_a) +
                                ", transposeB=" + std::to_string(trans_b) + ")");
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
      throw std::invalid_argument("matMul: batch dims " + std::to_string(da) + " and " + std::to_string(db) +
                                  " do not broadcast");
    out_batch[out_batch.size() - 1 - k] = std::max(da, db);
  }
  if (out_batch.size() > static_cast<std::size_t>(kMaxBatchRank))
    throw std::invalid_argument("matMul: at most " + std::to_string(kMaxBatchRank) + " batch dims");
  std::vector<int64_t> out_shape = out_batch;
  out_shape.push_back(g.M);
  out_shape.push_back(g.N);
  p.out = count("out", out_shape);
  const auto sa = broadcast_strides("aShape", a_batch, out_batch, ar * ac);
  const auto sb = broadcast_strides("bShape", b_batch, out_batch, br * bc);
  g.batch.rank = static_cast<int32_t>(out_batch.size());
  int64_t c_stride = g.M * g.N;
  for (std::size_t d = out_batch.size(); d-- > 0;) {
    g.batch.dims[d] = out_batch[d];
    g.batch.a[d] = sa[d];
    g.batch.b[d] = sb[d];
    g.batch.c[d] = c_stride;
    c_stride *= out_batch[d];
  }
  if (bias_shape) {
    check_dims("biasShape", *bias_shape, 0);
    p.bias = count("biasShape", *bias_shape);
    const auto st = broadcast_strides("biasShape", *bias_shape, out_shape, 1);
    g.bias_rs = st[st.size() - 2];
    g.bias_cs = st.back();
    for (std::size_t d = 0; d < out_batch.size(); ++d) g.batch.bias[d] = st[d];
  }
  return p;
}

}  // namespace ntp::binding
