// CUDA twin of core/nn/attention.cpp for the ntp backend's tensors: the same six products
// (attention_gemms) as whole batched launches over (batch, head), a warp per row for the softmax
// and its backward pass (shuffle sums in a fixed order: deterministic), the dropout mask from the
// NTP_HD function the host loop runs, all queued on the tensor stream.
#include <stdexcept>

#include "../core/nn/attention.h"
#include "../core/nn/tensor_ops.h"
#include "device_buffer.cuh"
#include "gemm.cuh"
#include "tensor_stream.cuh"

namespace ntp::tensor::cuda {
namespace {

constexpr unsigned kWarp = 32, kRowsPerBlock = 8;

__device__ float warp_sum(float v) {
  for (unsigned o = kWarp / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ float warp_max(float v) {
  for (unsigned o = kWarp / 2; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Row softmax of scale * w, in place; one warp per row of T.
__global__ void softmax_rows_kernel(float* w, int64_t rows, int64_t T, float scale) {
  const int64_t r = blockIdx.x * static_cast<int64_t>(kRowsPerBlock) + threadIdx.y;
  if (r >= rows) return;
  float* row = w + r * T;
  float mx = -INFINITY;
  for (int64_t j = threadIdx.x; j < T; j += kWarp) mx = fmaxf(mx, row[j] * scale);
  mx = warp_max(mx);
  float sum = 0.0f;
  for (int64_t j = threadIdx.x; j < T; j += kWarp) {
    const float e = expf(row[j] * scale - mx);
    row[j] = e;
    sum += e;
  }
  const float inv = 1.0f / warp_sum(sum);
  for (int64_t j = threadIdx.x; j < T; j += kWarp) row[j] *= inv;
}

__global__ void dropout_kernel(AttentionShape s, const float* w, float* dropped, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    dropped[i] = attention_dropped(s, w[i], static_cast<uint64_t>(i));
}

// dS = scale * P (dP - rowsum(dP P)) in place in d, dP first through the dropout mask (where the
// dropped weights are non-zero, as on the host).
__global__ void softmax_backward_rows_kernel(float* d, const float* probs, const float* dropped, int64_t rows, int64_t T, float scale,
                                             float inv_keep) {
  const int64_t r = blockIdx.x * static_cast<int64_t>(kRowsPerBlock) + threadIdx.y;
  if (r >= rows) return;
  float* dr = d + r * T;
  const float* pr = probs + r * T;
  float dot = 0.0f;
  for (int64_t j = threadIdx.x; j < T; j += kWarp) {
    float v = dr[j];
    if (dropped) v = dropped[r * T + j] != 0.0f ? v * inv_keep : 0.0f;
    dr[j] = v;
    dot += v * pr[j];
  }
  dot = warp_sum(dot);
  for (int64_t j = threadIdx.x; j < T; j += kWarp) dr[j] = scale * pr[j] * (dr[j] - dot);
}

unsigned row_blocks(int64_t rows) {
  const int64_t b = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
  if (b > 0x7fffffff) throw std::invalid_argument("attention: too many rows for one launch");
  return static_cast<unsigned>(b);
}

unsigned element_blocks(int64_t n) {
  const int64_t b = (n + 255) / 256;
  return static_cast<unsigned>(b < 65535 * 16 ? b : 65535 * 16);
}

void launched(const char* what) { ntp::cuda::check(cudaGetLastError(), what); }

}  // namespace

int64_t attention_device_scratch(const AttentionShape& s, bool backward) {
  const int64_t weights = s.batch * s.heads * s.steps * s.steps;
  return (backward ? weights : 0) + (s.dropout > 0.0f ? weights : 0);
}

void attention_forward(const AttentionShape& s, const float* qkv, float* probs, float* out, float* scratch) {
  check_attention_shape(s);
  cudaStream_t st = ntp::cuda::tensor_stream();
  const int64_t rows = s.batch * s.heads * s.steps, n = rows * s.steps;
  float* dropped = s.dropout > 0.0f ? scratch : probs;
  const AttentionGemms p = attention_gemms(s, qkv, probs, dropped, out, nullptr, nullptr, nullptr);
  ntp::cuda::launch_gemm(p.scores, st);
  softmax_rows_kernel<<<row_blocks(rows), dim3(kWarp, kRowsPerBlock), 0, st>>>(probs, rows, s.steps, 1.0f / sqrtf(static_cast<float>(s.key_dim)));
  if (s.dropout > 0.0f) dropout_kernel<<<element_blocks(n), 256, 0, st>>>(s, probs, dropped, n);
  launched("attention_forward");
  ntp::cuda::launch_gemm(p.context, st);
}

void attention_backward(const AttentionShape& s, const float* qkv, const float* probs, const float* dout, float* dqkv, float* scratch) {
  check_attention_shape(s);
  cudaStream_t st = ntp::cuda::tensor_stream();
  const int64_t rows = s.batch * s.heads * s.steps, n = rows * s.steps;
  float* dweights = scratch;
  float* dropped = s.dropout > 0.0f ? scratch + n : nullptr;
  if (dropped) dropout_kernel<<<element_blocks(n), 256, 0, st>>>(s, probs, dropped, n);
  const AttentionGemms p = attention_gemms(s, qkv, nullptr, dropped ? dropped : probs, nullptr, dout, dweights, dqkv);
  ntp::cuda::launch_gemm(p.dv, st);
  ntp::cuda::launch_gemm(p.dw, st);
  softmax_backward_rows_kernel<<<row_blocks(rows), dim3(kWarp, kRowsPerBlock), 0, st>>>(
      dweights, probs, dropped, rows, s.steps, 1.0f / sqrtf(static_cast<float>(s.key_dim)), s.dropout > 0.0f ? 1.0f / (1.0f - s.dropout) : 1.0f);
  launched("attention_backward");
  ntp::cuda::launch_gemm(p.dq, st);
  ntp::cuda::launch_gemm(p.dk, st);
}

}  // namespace ntp::tensor::cuda
