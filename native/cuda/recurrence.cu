// CUDA twin of core/indicator_layers.cpp: one thread per (row, group) running the same
// indicator_rows.h math. The backward pass writes per-(row, group) dL/dclose partials that a
// second kernel sums over groups, and per-row dL/dperiods that a third sums over rows in the CPU
// twin's order (no atomics, so the result is deterministic). Each pass runs on device pointers,
// queued on one stream (forward_on, backward_on): the host-pointer twins of cuda_api.h copy in and
// out around them, the ntp backend's kernels (tensor::cuda::indicator_*) queue them on its stream.
#include <vector>

#include "../core/indicators/indicator_layers.h"
#include "../core/nn/tensor_ops.h"
#include "cuda_api.h"
#include "device_buffer.cuh"
#include "tensor_stream.cuh"

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

// grad_periods[k] = sum over rows of gp_rows[r, k], rows in order, in double (as the CPU twin).
__global__ void sum_rows_kernel(const double* gp_rows, int B, int K, float* grad_periods) {
  const int k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= K) return;
  double s = 0.0;
  for (long r = 0; r < B; ++r) s += gp_rows[r * K + k];
  grad_periods[k] = static_cast<float>(s);
}

constexpr unsigned kThreads = 128;

// b's close and periods, `out` [batch, K]: device pointers. Checked, batch > 0.
void forward_on(cudaStream_t st, const IndicatorBatch& b, float* out) {
  const int w = indicator_group_width(b.kind);
  const std::size_t threads = static_cast<std::size_t>(b.batch) * static_cast<std::size_t>(b.period_count / w);
  indicator_forward_kernel<<<blocks_for(threads, kThreads), kThreads, 0, st>>>(b.kind, b.close, b.batch, b.time, b.periods,
                                                                              b.period_count, w, out);
  check(cudaGetLastError(), "indicator_forward_kernel launch");
}

// Device pointers throughout; scratch: indicator_device_backward_scratch(b) doubles. Checked, batch > 0.
void backward_on(cudaStream_t st, const IndicatorBatch& b, const float* grad_out, float* grad_close, float* grad_periods,
                 double* scratch) {
  const int w = indicator_group_width(b.kind);
  const int groups = b.period_count / w;
  const std::size_t rows = static_cast<std::size_t>(b.batch), T = static_cast<std::size_t>(b.time);
  const std::size_t threads = rows * static_cast<std::size_t>(groups);
  const int scratch_len = indicator_scratch(b.kind, b.time) + 1;
  double* parts = scratch;
  double* gp_rows = parts + threads * T;
  double* recurrence = gp_rows + rows * static_cast<std::size_t>(b.period_count);
  indicator_backward_kernel<<<blocks_for(threads, kThreads), kThreads, 0, st>>>(
      b.kind, b.close, b.batch, b.time, b.periods, b.period_count, w, scratch_len, grad_out, parts, gp_rows, recurrence);
  check(cudaGetLastError(), "indicator_backward_kernel launch");
  sum_groups_kernel<<<blocks_for(rows * T, kThreads), kThreads, 0, st>>>(parts, b.batch, b.time, groups, grad_close);
  check(cudaGetLastError(), "sum_groups_kernel launch");
  sum_rows_kernel<<<blocks_for(static_cast<std::size_t>(b.period_count), kThreads), kThreads, 0, st>>>(gp_rows, b.batch,
                                                                                                      b.period_count, grad_periods);
  check(cudaGetLastError(), "sum_rows_kernel launch");
}

}  // namespace

void indicator_forward(const IndicatorBatch& b, float* out) {
  check_indicator_batch(b);
  if (b.batch == 0) return;
  const std::size_t rows = static_cast<std::size_t>(b.batch);
  const std::size_t T = static_cast<std::size_t>(b.time), K = static_cast<std::size_t>(b.period_count);
  DeviceBuffer<float> d_close(b.close, rows * T), d_periods(b.periods, K), d_out(rows * K);
  IndicatorBatch d = b;
  d.close = d_close.get();
  d.periods = d_periods.get();
  forward_on(nullptr, d, d_out.get());
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
  const std::size_t rows = static_cast<std::size_t>(b.batch), T = static_cast<std::size_t>(b.time);
  DeviceBuffer<float> d_close(b.close, rows * T), d_periods(b.periods, K), d_go(grad_out, rows * K), d_gc(rows * T), d_gp(K);
  DeviceBuffer<double> d_scratch(static_cast<std::size_t>(indicator_device_backward_scratch(b)));
  IndicatorBatch d = b;
  d.close = d_close.get();
  d.periods = d_periods.get();
  backward_on(nullptr, d, d_go.get(), d_gc.get(), d_gp.get(), d_scratch.get());
  check(cudaDeviceSynchronize(), "indicator_backward_kernel");
  d_gc.download(grad_close);
  d_gp.download(grad_periods);
}

}  // namespace ntp::cuda

namespace ntp::tensor::cuda {

void indicator_forward(const IndicatorBatch& b, float* out) {
  check_indicator_sizes(b);
  if (b.batch > 0) ntp::cuda::forward_on(ntp::cuda::tensor_stream(), b, out);
}

void indicator_backward(const IndicatorBatch& b, const float* grad_out, float* grad_close, float* grad_periods, double* scratch) {
  check_indicator_sizes(b);
  if (b.batch == 0) {
    ntp::cuda::check(cudaMemsetAsync(grad_periods, 0, static_cast<std::size_t>(b.period_count) * sizeof(float), ntp::cuda::tensor_stream()), "memset");
    return;
  }
  ntp::cuda::backward_on(ntp::cuda::tensor_stream(), b, grad_out, grad_close, grad_periods, scratch);
}

}  // namespace ntp::tensor::cuda
