// CUDA twin of core/nn/composite_loss.cpp for the ntp backend's tensors: one block strides over
// the batch, each row through the NTP_HD composite_loss_row the host loop runs, the four term
// sums reduced in double in a fixed tree (deterministic), queued on the tensor stream. A batch is
// a few thousand rows at most: one block is enough and needs no second pass.
#include "../core/nn/tensor_ops.h"
#include "device_buffer.cuh"
#include "tensor_stream.cuh"

namespace ntp::tensor::cuda {
namespace {

constexpr unsigned kThreads = 256;

__global__ void composite_loss_kernel(CompositeLoss s, const float* heads, const float* y, const float* d, float* total,
                                      float* terms, float* grad) {
  __shared__ double part[kLossTerms][kThreads];
  double sums[kLossTerms] = {};
  for (int64_t b = threadIdx.x; b < s.batch; b += kThreads) composite_loss_row(s, b, heads, y, d, grad, sums);
  for (int32_t k = 0; k < kLossTerms; ++k) part[k][threadIdx.x] = sums[k];
  __syncthreads();
  for (unsigned half = kThreads / 2; half > 0; half >>= 1) {
    if (threadIdx.x < half)
      for (int32_t k = 0; k < kLossTerms; ++k) part[k][threadIdx.x] += part[k][threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    for (int32_t k = 0; k < kLossTerms; ++k) sums[k] = part[k][0];
    composite_loss_finish(s, sums, total, terms);
  }
}

}  // namespace

void composite_loss(const CompositeLoss& s, const float* heads, const float* y, const float* d, float* total, float* terms,
                    float* grad) {
  check_composite_loss(s);
  check_composite_loss_buffers(s, heads, y, d, total, terms, grad);
  composite_loss_kernel<<<1, kThreads, 0, ntp::cuda::tensor_stream()>>>(s, heads, y, d, total, terms, grad);
  ntp::cuda::check(cudaGetLastError(), "composite_loss");
}

}  // namespace ntp::tensor::cuda
