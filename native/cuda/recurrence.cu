// CUDA twin of core/indicator_layers.cpp: one thread per (row, group) running the same
// indicator_rows.h math. The backward pass writes per-(row, group) dL/dclose partials that a
// second kernel sums over groups (no atomics, so the result is deterministic), and per-row
// dL/dperiods that the host reduces in the CPU twin's order.
#include <vector>

#include "../core/indicators/indicator_layers.h"
#include "cuda_api.h"
#include "device_buffer.cuh"

namespace ntp::cuda {
namespace {

__global__ void indicator_forward_kernel(IndicatorKind kind, const float* close, int B, int T,
                                         const float* periods, int K, int w, float* out) {
  const int groups = K / w;
  const long idx = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x;
  if (idx >= static_cast<long>(B) * groups) return;
  const long r = idx / groups;
  const int g = static_cast<int>(idx % groups);
  double o[3];
  indicator_group_forward<double>(kind, close + r * T, T, periods + g * w, o);
  for (int i = 0; i < w; ++i) out[r * K + g * w + i] = static_cast<float>(o[i]);
}

__global__ void indicator_backward_kernel(IndicatorKind kind, const float* close, int B, int T,
                                          const float* periods, int K, int w, int scratch_len,
                                          const float* grad_out, double* gc_parts,
                                          double* gp_rows, double* scratch) {
  const int groups = K / w;
  const long idx = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x;
  if (idx >= static_cast<long>(B) * groups) return;
  const long r = idx / groups;
  const int g = static_cast<int>(idx % groups);
  double* gc = gc_parts + idx * T;
  for (int t = 0; t < T; ++t) gc[t] = 0.0;
  double go[3];
  for (int i = 0; i < w; ++i) go[i] = grad_out[r * K + g * w + i];
  indicator_group_backward<double>(kind, close + r * T, T, periods + g * w, go, gc,
                                   gp_rows + r * K + g * w, scratch + idx * scratch_len);
}

__global__ void sum_groups_kernel(const double* gc_parts, int B, int T, int groups, float* grad_close) {
  const long idx = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x;
  if (idx >= static_cast<long>(B) * T) return;
  const long r = idx / T;
  const int t = static_cast<int>(idx % T);
  double s = 0.0;  // groups in order, as the CPU twin accumulates them
  for (int g = 0; g < groups; ++g) s += gc_parts[(r * groups + g) * T + t];
  grad_close[idx] = static_cast<float>(s);
}

constexpr unsigned kThreads = 128;

}  // namespace

void indicator_forward(const IndicatorBatch& b, float* out) {
  check_indicator_batch(b);
  if (b.batch == 0) return;
  const int w = indicator_group_width(b.kind);
  const std::size_t rows = static_cast<std::size_t>(b.batch);
  const std::size_t T = static_cast<std::size_t>(b.time), K = static_cast<std::size_t>(b.period_count);
  DeviceBuffer<float> d_close(b.close, rows * T), d_periods(b.periods, K), d_out(rows * K);
  const std::size_t threads = rows * (K / w);
  indicator_forward_kernel<<<blocks_for(threads, kThreads), kThreads>>>(
      b.kind, d_close.get(), b.batch, b.time, d_periods.get(), b.period_count, w, d_out.get());
  check(cudaGetLastError(), "indicator_forward_kernel launch");
  check(cudaDeviceSynchronize(), "indicator_forward_kernel");
  d_out.download(out);
}

void indicator_backward(const IndicatorBatch& b, const float* grad_out, float* grad_close,
                        float* grad_periods) {
  check_indicator_batch(b);
  const std::size_t K = static_cast<std::size_t>(b.period_count);
  if (b.batch == 0) {
    for (std::size_t k = 0; k < K; ++k) grad_periods[k] = 0.0f;
    return;
  }
  const int w = indicator_group_width(b.kind);
  const int groups = b.period_count / w;
  const std::size_t rows = static_cast<std::size_t>(b.batch), T = static_cast<std::size_t>(b.time);
  const std::size_t threads = rows * static_cast<std::size_t>(groups);
  const int scratch_len = indicator_scratch(b.kind, b.time) + 1;
  DeviceBuffer<float> d_close(b.close, rows * T), d_periods(b.periods, K), d_go(grad_out, rows * K),
      d_gc(rows * T);
  DeviceBuffer<double> d_parts(threads * T), d_gp(rows * K), d_scratch(threads * scratch_len);
  indicator_backward_kernel<<<blocks_for(threads, kThreads), kThreads>>>(
      b.kind, d_close.get(), b.batch, b.time, d_periods.get(), b.period_count, w, scratch_len,
      d_go.get(), d_parts.get(), d_gp.get(), d_scratch.get());
  check(cudaGetLastError(), "indicator_backward_kernel launch");
  sum_groups_kernel<<<blocks_for(rows * T, kThreads), kThreads>>>(d_parts.get(), b.batch, b.time,
                                                                   groups, d_gc.get());
  check(cudaGetLastError(), "sum_groups_kernel launch");
  check(cudaDeviceSynchronize(), "indicator_backward_kernel");
  d_gc.download(grad_close);
  std::vector<double> gp(rows * K);
  d_gp.download(gp.data());
  for (std::size_t k = 0; k < K; ++k) {
    double s = 0.0;
    for (std::size_t r = 0; r < rows; ++r) s += gp[r * K + k];
    grad_periods[k] = static_cast<float>(s);
  }
}

}  // namespace ntp::cuda
