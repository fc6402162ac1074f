// Float32 GEMM for the tfjs `cpu` kernels (SPEC §7.4) and the fused LSTM: one routine with
// transpose flags, broadcast batch strides and a fused epilogue (bias + activation), so
// MatMul, BatchMatMul, _FusedMatMul and the LSTM's matrix products all share it.
//
//   C[b] = act( op(A[b]) op(B[b]) + beta * C[b] + bias[b] )     op(X) = X or X^T
//
// A is stored [M, K] (or [K, M] with trans_a) with row stride lda; B is stored [K, N] (or
// [N, K] with trans_b) with row stride ldb; C is [M, N] with row stride ldc.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ntp {

enum class Activation : int32_t { kLinear = 0, kRelu, kRelu6, kSigmoid, kElu, kLeakyRelu };

// Batch dimensions of the output (outermost first) and, per operand, the element stride of each
// dimension; a stride of 0 broadcasts that operand along the dimension (numpy rules).
constexpr int kMaxBatchRank = 8;
struct GemmBatch {
  int32_t rank = 0;
  int64_t dims[kMaxBatchRank] = {};
  int64_t a[kMaxBatchRank] = {};
  int64_t b[kMaxBatchRank] = {};
  int64_t c[kMaxBatchRank] = {};
  int64_t bias[kMaxBatchRank] = {};

  int64_t count() const;
  // A flat batch of `n` matrices at fixed strides (0 = the same matrix for every batch entry).
  static GemmBatch strided(int64_t n, int64_t stride_a, int64_t stride_b, int64_t stride_c,
                           int64_t stride_bias = 0);
};

struct GemmArgs {
  int64_t M = 0, N = 0, K = 0;
  bool trans_a = false, trans_b = false;
  const float* a = nullptr;
  int64_t lda = 0;
  const float* b = nullptr;
  int64_t ldb = 0;
  float* c = nullptr;
  int64_t ldc = 0;
  float beta = 0.0f;  // 0 overwrites C (its old contents are never read), 1 accumulates
  GemmBatch batch = GemmBatch::strided(1, 0, 0, 0);
  // Optional bias added before the activation, element (i, j) at bias[i*bias_rs + j*bias_cs]
  // (a Dense bias is bias_rs = 0, bias_cs = 1).
  const float* bias = nullptr;
  int64_t bias_rs = 0, bias_cs = 0;
  Activation activation = Activation::kLinear;
  float activation_alpha = 0.2f;  // leaky-relu slope
  // Run on the calling thread in full-size blocks: for callers that already spread their work
  // over the pool (per LSTM row block, per attention head), where splitting only adds packing.
  bool serial = false;
};

// Validates the arguments (std::invalid_argument naming the bad one) and runs on the thread pool.
void gemm(const GemmArgs& args);

// The same checks, shared with the CUDA twin.
void check_gemm_args(const GemmArgs& args);

// How many elements of each operand the product reads or writes (0 when unused): the binding
// checks buffer lengths against these, the CUDA twin copies exactly this much.
struct GemmExtents { int64_t a = 0, b = 0, c = 0, bias = 0; };
GemmExtents gemm_extents(const GemmArgs& args);

// Bytes of working memory the product allocates beyond its operands (split-K partial sums), as a
// double so that no shape overflows it.
double gemm_scratch_bytes(const GemmArgs& args);

}  // namespace ntp
