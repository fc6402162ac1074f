// CUDA twin of core/gemm.cpp: a shared-memory tiled kernel (16x16 output tile per block, one
// output per thread, 16-deep slabs of op(A) and op(B) staged in shared memory) with the same
// transpose flags, broadcast batch strides and fused bias + activation epilogue. Batch entries
// run on blockIdx.z, row tiles on blockIdx.y, each launch covering at most 65535 of either (the
// grid's limit) from the offsets it is given. cuBLAS is deliberately not used (not present on
// every build machine).
#include <algorithm>

#include "../core/nn/gemm_math.h"
#include "cuda_api.h"
#include "device_buffer.cuh"
#include "gemm.cuh"

namespace ntp::cuda {
namespace {

constexpr int kTile = 16;

constexpr long long kMaxGridYZ = 65535;

__global__ void gemm_kernel(GemmArgs g, long long row_tile0, long long batch0) {
  __shared__ float As[kTile][kTile + 1];
  __shared__ float Bs[kTile][kTile + 1];
  // Batch entry -> operand offsets (outermost batch dim first, like the CPU version).
  long long idx = batch0 + blockIdx.z, oa = 0, ob = 0, oc = 0, obias = 0;
  for (int d = g.batch.rank - 1; d >= 0; --d) {
    const long long i = idx % g.batch.dims[d];
    idx /= g.batch.dims[d];
    oa += i * g.batch.a[d];
    ob += i * g.batch.b[d];
    oc += i * g.batch.c[d];
    obias += i * g.batch.bias[d];
  }
  const float* a = g.a + oa;
  const float* b = g.b + ob;
  float* c = g.c + oc;
  const long long row = (row_tile0 + blockIdx.y) * kTile + threadIdx.y;
  const long long col = static_cast<long long>(blockIdx.x) * kTile + threadIdx.x;
  float acc = 0.0f;
  for (long long k0 = 0; k0 < g.K; k0 += kTile) {
    // op(A)(row, k0 + tx) and op(B)(k0 + ty, col), zero outside the matrix.
    const long long ka = k0 + threadIdx.x, kb = k0 + threadIdx.y;
    As[threadIdx.y][threadIdx.x] =
        (row < g.M && ka < g.K) ? (g.trans_a ? a[ka * g.lda + row] : a[row * g.lda + ka]) : 0.0f;
    Bs[threadIdx.y][threadIdx.x] =
        (kb < g.K && col < g.N) ? (g.trans_b ? b[col * g.ldb + kb] : b[kb * g.ldb + col]) : 0.0f;
    __syncthreads();
#pragma unroll
    for (int k = 0; k < kTile; ++k) acc += As[threadIdx.y][k] * Bs[k][threadIdx.x];
    __syncthreads();
  }
  if (row >= g.M || col >= g.N) return;
  float v = acc;
  if (g.beta != 0.0f) v += c[row * g.ldc + col];
  if (g.bias) v += g.bias[obias + row * g.bias_rs + col * g.bias_cs];
  c[row * g.ldc + col] = apply_activation(g.activation, v, g.activation_alpha);
}

}  // namespace

void launch_gemm(const GemmArgs& g, cudaStream_t stream) {
  const long long batches = g.batch.count();
  if (batches == 0 || g.M == 0 || g.N == 0) return;
  const long long row_tiles = (g.M + kTile - 1) / kTile;
  const dim3 block(kTile, kTile);
  for (long long b0 = 0; b0 < batches; b0 += kMaxGridYZ) {
    for (long long r0 = 0; r0 < row_tiles; r0 += kMaxGridYZ) {
      const dim3 grid(static_cast<unsigned>((g.N + kTile - 1) / kTile), static_cast<unsigned>(std::min(kMaxGridYZ, row_tiles - r0)),
                      static_cast<unsigned>(std::min(kMaxGridYZ, batches - b0)));
      gemm_kernel<<<grid, block, 0, stream>>>(g, r0, b0);
      check(cudaGetLastError(), "gemm_kernel launch");
    }
  }
}

void gemm(const GemmArgs& host) {
  check_gemm_args(host);
  const GemmExtents e = gemm_extents(host);
  if (e.c == 0) return;
  DeviceBuffer<float> a(host.a, static_cast<std::size_t>(e.a)), b(host.b, static_cast<std::size_t>(e.b));
  // C is uploaded even with beta 0: with ldc > N the gaps between rows must come back unchanged.
  DeviceBuffer<float> c(host.c, static_cast<std::size_t>(e.c));
  DeviceBuffer<float> bias(static_cast<std::size_t>(e.bias));
  if (host.bias) bias.upload(host.bias);
  GemmArgs g = host;
  g.a = a.get();
  g.b = b.get();
  g.c = c.get();
  g.bias = host.bias ? bias.get() : nullptr;
  launch_gemm(g);
  check(cudaDeviceSynchronize(), "gemm_kernel");
  c.download(host.c);
}

}  // namespace ntp::cuda
