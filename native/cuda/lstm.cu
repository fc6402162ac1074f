// CUDA twin of core/lstm.cpp: the same sequence of products (launch_gemm on device pointers)
// and the same pointwise cell math (core/lstm_cell.h), one thread per (batch row, unit) per step.
// Each pass runs on device pointers, queued on one stream (forward_on, backward_on): the
// host-pointer twins of cuda_api.h copy in and out around them on the default stream, and the
// ntp backend's kernels (tensor::cuda::lstm_forward/backward) queue them on its tensor stream.
#include <vector>

#include "../core/nn/lstm_cell.h"
#include "../core/nn/tensor_ops.h"
#include "cuda_api.h"
#include "device_buffer.cuh"
#include "gemm.cuh"
#include "tensor_stream.cuh"

namespace ntp::cuda {
namespace {

__global__ void cell_forward_kernel(long B, long T, long U, long t, long t_prev, long step,
                                    float* gates, float* cells, float* h) {
  const long idx = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x;
  if (idx >= B * U) return;
  const long b = idx / U, u = idx % U;
  const float c_prev = t_prev >= 0 ? cells[(b * T + t_prev) * U + u] : 0.0f;
  lstm_cell_forward(gates + (b * T + t) * 4 * U, U, u, c_prev, cells + (b * T + t) * U + u,
                    h + (b * T + step) * U + u);
}

__global__ void cell_backward_kernel(long B, long T, long U, long t, long t_prev, long step,
                                     const float* gates, const float* cells, const float* dh,
                                     const float* dh_next, float* dc_next, float* dz) {
  const long idx = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x;
  if (idx >= B * U) return;
  const long b = idx / U, u = idx % U;
  const float c_prev = t_prev >= 0 ? cells[(b * T + t_prev) * U + u] : 0.0f;
  dc_next[idx] = lstm_cell_backward(gates + (b * T + t) * 4 * U, U, u, cells[(b * T + t) * U + u], c_prev,
                                    dh[(b * T + step) * U + u] + dh_next[idx], dc_next[idx],
                                    dz + (b * T + t) * 4 * U);
}

// dbias[j] = sum over rows of dz[:, j].
__global__ void column_sum_kernel(const float* dz, long rows, long cols, float* out) {
  const long j = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x;
  if (j >= cols) return;
  float s = 0.0f;
  for (long r = 0; r < rows; ++r) s += dz[r * cols + j];
  out[j] = s;
}

GemmArgs step_gemm(long B, long T, const float* a, long a_width, long ta, const float* b, long b_cols,
                   bool trans_b, long n, float* c, long ldc, float beta) {
  GemmArgs g;
  g.M = B; g.K = a_width; g.N = n; g.trans_b = trans_b;
  g.a = a + ta * a_width; g.lda = T * a_width;
  g.b = b; g.ldb = b_cols;
  g.c = c; g.ldc = ldc;
  g.beta = beta;
  return g;
}

constexpr unsigned kThreads = 256;

void forward_on(cudaStream_t st, const LstmShape& s, const float* x, const LstmWeights& w, const LstmForwardOut& out) {
  const long B = s.batch, T = s.steps, F = s.features, U = s.units, G = 4 * U;
  GemmArgs proj;
  proj.M = B * T; proj.N = G; proj.K = F;
  proj.a = x; proj.lda = F;
  proj.b = w.kernel; proj.ldb = G;
  proj.c = out.gates; proj.ldc = G;
  proj.bias = w.bias; proj.bias_cs = 1;
  launch_gemm(proj, st);
  for (long step = 0; step < T; ++step) {
    const long t = lstm_time(s, step), t_prev = step > 0 ? lstm_time(s, step - 1) : -1;
    if (step > 0) launch_gemm(step_gemm(B, T, out.h, U, step - 1, w.recurrent, G, false, G, out.gates + t * G, T * G, 1.0f), st);
    cell_forward_kernel<<<blocks_for(B * U, kThreads), kThreads, 0, st>>>(B, T, U, t, t_prev, step, out.gates, out.cells, out.h);
    check(cudaGetLastError(), "cell_forward_kernel launch");
  }
}

// scratch: lstm_device_backward_scratch(s) floats (dz [B, T, 4U], then dh and dc of the next step [B, U] each).
void backward_on(cudaStream_t st, const LstmShape& s, const float* x, const LstmWeights& w, const float* h,
                 const float* gates, const float* cells, const float* dh, const LstmGrads& grads, float* scratch) {
  const long B = s.batch, T = s.steps, F = s.features, U = s.units, G = 4 * U;
  float* dz = scratch;
  float* dh_next = dz + B * T * G;
  float* dc_next = dh_next + B * U;
  check(cudaMemsetAsync(dh_next, 0, 2 * B * U * sizeof(float), st), "memset");
  for (long step = T - 1; step >= 0; --step) {
    const long t = lstm_time(s, step), t_prev = step > 0 ? lstm_time(s, step - 1) : -1;
    cell_backward_kernel<<<blocks_for(B * U, kThreads), kThreads, 0, st>>>(B, T, U, t, t_prev, step, gates, cells, dh, dh_next,
                                                                           dc_next, dz);
    check(cudaGetLastError(), "cell_backward_kernel launch");
    if (step > 0) launch_gemm(step_gemm(B, T, dz, G, t, w.recurrent, G, true, U, dh_next, U, 0.0f), st);
  }
  GemmArgs gx;
  gx.M = B * T; gx.N = F; gx.K = G; gx.trans_b = true;
  gx.a = dz; gx.lda = G; gx.b = w.kernel; gx.ldb = G; gx.c = grads.dx; gx.ldc = F;
  launch_gemm(gx, st);
  GemmArgs gw;
  gw.M = F; gw.N = G; gw.K = B * T; gw.trans_a = true;
  gw.a = x; gw.lda = F; gw.b = dz; gw.ldb = G; gw.c = grads.dkernel; gw.ldc = G;
  launch_gemm(gw, st);
  check(cudaMemsetAsync(grads.drecurrent, 0, U * G * sizeof(float), st), "memset");
  for (long step = 1; step < T; ++step) {
    GemmArgs gr;
    gr.M = U; gr.N = G; gr.K = B; gr.trans_a = true;
    gr.a = h + (step - 1) * U; gr.lda = T * U;
    gr.b = dz + lstm_time(s, step) * G; gr.ldb = T * G;
    gr.c = grads.drecurrent; gr.ldc = G; gr.beta = 1.0f;
    launch_gemm(gr, st);
  }
  column_sum_kernel<<<blocks_for(G, kThreads), kThreads, 0, st>>>(dz, B * T, G, grads.dbias);
  check(cudaGetLastError(), "column_sum_kernel launch");
}

}  // namespace

void lstm_forward(const LstmShape& s, const float* x, const LstmWeights& w, const LstmForwardOut& out) {
  check_lstm_shape(s);
  const long B = s.batch, T = s.steps, F = s.features, U = s.units, G = 4 * U;
  DeviceBuffer<float> dx(x, B * T * F), dk(w.kernel, F * G), dr(w.recurrent, U * G), db(w.bias, G);
  DeviceBuffer<float> dg(B * T * G), dc(B * T * U), dh(B * T * U);
  forward_on(nullptr, s, dx.get(), {dk.get(), dr.get(), db.get()}, {dh.get(), dg.get(), dc.get()});
  check(cudaDeviceSynchronize(), "lstm_forward");
  dh.download(out.h);
  dg.download(out.gates);
  dc.download(out.cells);
}

void lstm_backward(const LstmShape& s, const float* x, const LstmWeights& w, const float* h,
                   const float* gates, const float* cells, const float* dh, const LstmGrads& grads) {
  check_lstm_shape(s);
  const long B = s.batch, T = s.steps, F = s.features, U = s.units, G = 4 * U;
  DeviceBuffer<float> dx_in(x, B * T * F), dk(w.kernel, F * G), dr(w.recurrent, U * G);
  DeviceBuffer<float> d_h(h, B * T * U), d_g(gates, B * T * G), d_c(cells, B * T * U), d_dh(dh, B * T * U);
  DeviceBuffer<float> scratch(static_cast<std::size_t>(lstm_device_backward_scratch(s)));
  DeviceBuffer<float> ddx(B * T * F), ddk(F * G), ddr(U * G), ddb(G);
  backward_on(nullptr, s, dx_in.get(), {dk.get(), dr.get(), nullptr}, d_h.get(), d_g.get(), d_c.get(), d_dh.get(),
              {ddx.get(), ddk.get(), ddr.get(), ddb.get()}, scratch.get());
  check(cudaDeviceSynchronize(), "lstm_backward");
  ddx.download(grads.dx);
  ddk.download(grads.dkernel);
  ddr.download(grads.drecurrent);
  ddb.download(grads.dbias);
}

}  // namespace ntp::cuda

namespace ntp::tensor::cuda {

void lstm_forward(const LstmShape& s, const float* x, const LstmWeights& w, const LstmForwardOut& out) {
  check_lstm_shape(s);
  ntp::cuda::forward_on(ntp::cuda::tensor_stream(), s, x, w, out);
}

void lstm_backward(const LstmShape& s, const float* x, const LstmWeights& w, const float* h, const float* gates,
                   const float* cells, const float* dh, const LstmGrads& grads, float* scratch) {
  check_lstm_shape(s);
  ntp::cuda::backward_on(ntp::cuda::tensor_stream(), s, x, w, h, gates, cells, dh, grads, scratch);
}

}  // namespace ntp::tensor::cuda
