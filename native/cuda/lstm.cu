// CUDA twin of core/lstm.cpp: the same sequence of products (launch_gemm on device pointers)
// and the same pointwise cell math (core/lstm_cell.h), one thread per (batch row, unit) per step.
#include <vector>

#include "../core/nn/lstm_cell.h"
#include "cuda_api.h"
#include "device_buffer.cuh"
#include "gemm.cuh"

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

}  // namespace

void lstm_forward(const LstmShape& s, const float* x, const LstmWeights& w, const LstmForwardOut& out) {
  check_lstm_shape(s);
  const long B = s.batch, T = s.steps, F = s.features, U = s.units, G = 4 * U;
  DeviceBuffer<float> dx(x, B * T * F), dk(w.kernel, F * G), dr(w.recurrent, U * G), db(w.bias, G);
  DeviceBuffer<float> dg(B * T * G), dc(B * T * U), dh(B * T * U);
  GemmArgs proj;
  proj.M = B * T; proj.N = G; proj.K = F;
  proj.a = dx.get(); proj.lda = F;
  proj.b = dk.get(); proj.ldb = G;
  proj.c = dg.get(); proj.ldc = G;
  proj.bias = db.get(); proj.bias_cs = 1;
  launch_gemm(proj);
  const unsigned threads = 256;
  for (long step = 0; step < T; ++step) {
    const long t = lstm_time(s, step), t_prev = step > 0 ? lstm_time(s, step - 1) : -1;
    if (step > 0) launch_gemm(step_gemm(B, T, dh.get(), U, step - 1, dr.get(), G, false, G, dg.get() + t * G, T * G, 1.0f));
    cell_forward_kernel<<<blocks_for(B * U, threads), threads>>>(B, T, U, t, t_prev, step, dg.get(), dc.get(), dh.get());
    check(cudaGetLastError(), "cell_forward_kernel launch");
  }
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
  DeviceBuffer<float> dz(B * T * G), dh_next(B * U), dc_next(B * U);
  check(cudaMemset(dh_next.get(), 0, B * U * sizeof(float)), "memset");
  check(cudaMemset(dc_next.get(), 0, B * U * sizeof(float)), "memset");
  const unsigned threads = 256;
  for (long step = T - 1; step >= 0; --step) {
    const long t = lstm_time(s, step), t_prev = step > 0 ? lstm_time(s, step - 1) : -1;
    cell_backward_kernel<<<blocks_for(B * U, threads), threads>>>(B, T, U, t, t_prev, step, d_g.get(), d_c.get(),
                                                                   d_dh.get(), dh_next.get(), dc_next.get(), dz.get());
    check(cudaGetLastError(), "cell_backward_kernel launch");
    if (step > 0) launch_gemm(step_gemm(B, T, dz.get(), G, t, dr.get(), G, true, U, dh_next.get(), U, 0.0f));
  }
  DeviceBuffer<float> ddx(B * T * F), ddk(F * G), ddr(U * G), ddb(G);
  GemmArgs gx;
  gx.M = B * T; gx.N = F; gx.K = G; gx.trans_b = true;
  gx.a = dz.get(); gx.lda = G; gx.b = dk.get(); gx.ldb = G; gx.c = ddx.get(); gx.ldc = F;
  launch_gemm(gx);
  GemmArgs gw;
  gw.M = F; gw.N = G; gw.K = B * T; gw.trans_a = true;
  gw.a = dx_in.get(); gw.lda = F; gw.b = dz.get(); gw.ldb = G; gw.c = ddk.get(); gw.ldc = G;
  launch_gemm(gw);
  check(cudaMemset(ddr.get(), 0, U * G * sizeof(float)), "memset");
  for (long step = 1; step < T; ++step) {
    GemmArgs gr;
    gr.M = U; gr.N = G; gr.K = B; gr.trans_a = true;
    gr.a = d_h.get() + (step - 1) * U; gr.lda = T * U;
    gr.b = dz.get() + lstm_time(s, step) * G; gr.ldb = T * G;
    gr.c = ddr.get(); gr.ldc = G; gr.beta = 1.0f;
    launch_gemm(gr);
  }
  column_sum_kernel<<<blocks_for(G, threads), threads>>>(dz.get(), B * T, G, ddb.get());
  check(cudaGetLastError(), "column_sum_kernel launch");
  check(cudaDeviceSynchronize(), "lstm_backward");
  ddx.download(grads.dx);
  ddk.download(grads.dkernel);
  ddr.download(grads.drecurrent);
  ddb.download(grads.dbias);
}

}  // namespace ntp::cuda
