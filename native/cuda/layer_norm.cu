// CUDA twin of core/nn/layer_norm.cpp for the ntp backend's tensors: one block per row for the
// statistics and dx (sums in a fixed tree: deterministic), one block per column for dgamma and
// dbeta (no atomics), the residual branch's element and gradient from the NTP_HD functions the
// host loop runs (layer_norm.h), all queued on the tensor stream.
#include <stdexcept>

#include "../core/nn/tensor_ops.h"
#include "device_buffer.cuh"
#include "tensor_stream.cuh"

namespace ntp::tensor::cuda {
namespace {

constexpr unsigned kRowThreads = 128;
constexpr unsigned kColumnThreads = 256;

// Sum of `v` over the block (blockDim.x == N), in a fixed order; every thread gets the result.
template <unsigned N>
__device__ float block_sum(float v, float* part) {
  part[threadIdx.x] = v;
  __syncthreads();
  for (unsigned s = N / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
    __syncthreads();
  }
  const float total = part[0];
  __syncthreads();
  return total;
}

// s (the normalised input) is written to `sum` when given, else to y as scratch before y itself.
__global__ void forward_kernel(int64_t dim, float epsilon, const float* x, const float* gamma, const float* beta, float* y,
                               float* mean, float* rstd, LayerNormResidual res, float inv_keep, float* sum) {
  __shared__ float part[kRowThreads];
  const int64_t r = blockIdx.x;
  const float* xr = x + r * dim;
  float* sr = (sum ? sum : y) + r * dim;
  float acc = 0.0f;
  for (int64_t j = threadIdx.x; j < dim; j += kRowThreads) {
    const float s = layer_norm_input(xr[j], res, inv_keep, static_cast<uint64_t>(r * dim + j));
    if (res.residual) sr[j] = s;
    acc += s;
  }
  const float* in = res.residual ? sr : xr;
  const float m = block_sum<kRowThreads>(acc, part) / static_cast<float>(dim);
  acc = 0.0f;
  for (int64_t j = threadIdx.x; j < dim; j += kRowThreads) acc += (in[j] - m) * (in[j] - m);
  const float rs = 1.0f / sqrtf(block_sum<kRowThreads>(acc, part) / static_cast<float>(dim) + epsilon);
  if (threadIdx.x == 0) {
    if (mean) mean[r] = m;
    if (rstd) rstd[r] = rs;
  }
  // Each thread reads back only the elements it wrote itself, so y may hold s until here.
  float* yr = y + r * dim;
  for (int64_t j = threadIdx.x; j < dim; j += kRowThreads) yr[j] = (in[j] - m) * rs * gamma[j] + beta[j];
}

__global__ void backward_rows_kernel(int64_t dim, const float* x, const float* gamma, const float* mean, const float* rstd,
                                     const float* dy, float* dx, LayerNormResidual res, float inv_keep, float* dresidual) {
  __shared__ float part[kRowThreads];
  const int64_t r = blockIdx.x;
  const float* xr = x + r * dim;
  const float* dyr = dy + r * dim;
  const float m = mean[r], rs = rstd[r];
  float sg = 0.0f, sgx = 0.0f;
  for (int64_t j = threadIdx.x; j < dim; j += kRowThreads) {
    const float g = dyr[j] * gamma[j];
    sg += g;
    sgx += g * ((xr[j] - m) * rs);
  }
  sg = block_sum<kRowThreads>(sg, part) / static_cast<float>(dim);
  sgx = block_sum<kRowThreads>(sgx, part) / static_cast<float>(dim);
  float* dxr = dx + r * dim;
  for (int64_t j = threadIdx.x; j < dim; j += kRowThreads) {
    const float d = rs * (dyr[j] * gamma[j] - sg - (xr[j] - m) * rs * sgx);
    dxr[j] = d;
    if (dresidual) dresidual[r * dim + j] = layer_norm_residual_grad(d, res, inv_keep, static_cast<uint64_t>(r * dim + j));
  }
}

__global__ void backward_columns_kernel(int64_t rows, int64_t dim, const float* x, const float* mean, const float* rstd,
                                        const float* dy, float* dgamma, float* dbeta) {
  __shared__ float part[kColumnThreads];
  const int64_t j = blockIdx.x;
  float g = 0.0f, b = 0.0f;
  for (int64_t r = threadIdx.x; r < rows; r += kColumnThreads) {
    const float d = dy[r * dim + j];
    g += d * ((x[r * dim + j] - mean[r]) * rstd[r]);
    b += d;
  }
  g = block_sum<kColumnThreads>(g, part);
  b = block_sum<kColumnThreads>(b, part);
  if (threadIdx.x == 0) {
    dgamma[j] = g;
    dbeta[j] = b;
  }
}

unsigned blocks(int64_t n) {
  if (n > 0x7fffffff) throw std::invalid_argument("layer_norm: more than 2^31 - 1 rows or columns for one launch");
  return static_cast<unsigned>(n);
}

}  // namespace

void layer_norm_forward(int64_t rows, int64_t dim, float epsilon, const float* x, const float* gamma, const float* beta,
                        float* y, float* mean, float* rstd, const LayerNormResidual& res, float* sum) {
  check_layer_norm(rows, dim, res);
  if (rows == 0) return;
  forward_kernel<<<blocks(rows), kRowThreads, 0, ntp::cuda::tensor_stream()>>>(dim, epsilon, x, gamma, beta, y, mean, rstd, res,
                                                                                 1.0f / (1.0f - res.dropout), sum);
  ntp::cuda::check(cudaGetLastError(), "layer_norm_forward");
}

void layer_norm_backward(int64_t rows, int64_t dim, const float* x, const float* gamma, const float* mean, const float* rstd,
                         const float* dy, float* dx, float* dgamma, float* dbeta, const LayerNormResidual& res, float* dresidual) {
  check_layer_norm(rows, dim, res);
  cudaStream_t s = ntp::cuda::tensor_stream();
  // dgamma and dbeta first: they read dy and x, which dx may overwrite (in place, as the host
  // twin allows).
  backward_columns_kernel<<<blocks(dim), kColumnThreads, 0, s>>>(rows, dim, x, mean, rstd, dy, dgamma, dbeta);
  if (rows > 0)
    backward_rows_kernel<<<blocks(rows), kRowThreads, 0, s>>>(dim, x, gamma, mean, rstd, dy, dx, res, 1.0f / (1.0f - res.dropout),
                                                              dresidual);
  ntp::cuda::check(cudaGetLastError(), "layer_norm_backward");
}

}  // namespace ntp::tensor::cuda
