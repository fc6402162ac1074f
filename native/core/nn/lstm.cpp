// Fused LSTM forward and BPTT on the CPU. The input projection x W + b for all steps and the
// weight gradients are single large GEMMs; only the recurrent product h_{t-1} R (forward) and
// dz_t R^T (backward) and the pointwise cell math are sequential over time. Both are row-local
// (batch row b only needs row b of the previous step), so each block of batch rows runs all its
// steps as one task on the thread pool, each step doing its GEMM rows and then its cell math: one
// pool dispatch per pass instead of one per step, and the gates a block just computed are still
// in its core's cache.
#include "lstm.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "gemm.h"
#include "lstm_cell.h"
#include "../thread_pool.h"

namespace ntp {

void check_lstm_shape(const LstmShape& s) {
  auto bad = [](const char* what, int64_t v) {
    throw std::invalid_argument(std::string("lstm: ") + what + " must be >= 1 (got " + std::to_string(v) + ")");
  };
  if (s.batch < 1) bad("batch", s.batch);
  if (s.steps < 1) bad("steps", s.steps);
  if (s.features < 1) bad("features", s.features);
  if (s.units < 1) bad("units", s.units);
}

namespace {

// One batch row of the cell math: the formulas of lstm_cell.h (which the CUDA twin uses per
// element), restated over a row with __restrict pointers (they never overlap: separate buffers or
// disjoint gate blocks) because GCC does not vectorise the loop through the per-element helpers.
// test_lstm checks both directions against a double reference, and the twin against this.
void cell_row_forward(float* __restrict z, int64_t U, const float* __restrict c_prev, float* __restrict c,
                      float* __restrict h) {
  float* __restrict zi = z;
  float* __restrict zf = z + U;
  float* __restrict zg = z + 2 * U;
  float* __restrict zo = z + 3 * U;
  for (int64_t u = 0; u < U; ++u) {
    const float i = fast_sigmoidf(zi[u]), f = fast_sigmoidf(zf[u]), g = fast_tanhf(zg[u]), o = fast_sigmoidf(zo[u]);
    const float cu = f * c_prev[u] + i * g;
    zi[u] = i; zf[u] = f; zg[u] = g; zo[u] = o;
    c[u] = cu;
    h[u] = o * fast_tanhf(cu);
  }
}

// Same math as lstm_cell_backward (lstm_cell.h, used by the CUDA twin) for a whole row.
void cell_row_backward(const float* __restrict gates, int64_t U, const float* __restrict c,
                       const float* __restrict c_prev, const float* __restrict dh_out, const float* __restrict dh_next,
                       float* __restrict dc_next, float* __restrict dz) {
  for (int64_t u = 0; u < U; ++u) {
    const float i = gates[u], f = gates[U + u], g = gates[2 * U + u], o = gates[3 * U + u];
    const float tc = fast_tanhf(c[u]);
    const float dh = dh_out[u] + dh_next[u];
    const float dc = dc_next[u] + dh * o * (1.0f - tc * tc);
    dz[u] = dc * g * i * (1.0f - i);
    dz[U + u] = dc * c_prev[u] * f * (1.0f - f);
    dz[2 * U + u] = dc * i * (1.0f - g * g);
    dz[3 * U + u] = dh * tc * o * (1.0f - o);
    dc_next[u] = dc * f;
  }
}

// Blocks of batch rows (each runs the whole sequence): a couple per thread for balance, not so
// small that GEMM rows are wasted.
std::size_t row_block(int64_t batch) {
  const int64_t per = (batch + static_cast<int64_t>(thread_count()) * 2 - 1) / (static_cast<int64_t>(thread_count()) * 2);
  return static_cast<std::size_t>(std::max<int64_t>(8, per));
}

void require(const void* p, const char* name) {
  if (!p) throw std::invalid_argument(std::string("lstm: ") + name + " is null");
}

// Rows of one time step inside a [B, T, width] buffer: row b at offset (b*T + t)*width.
GemmArgs step_rows_times(const LstmShape& s, const float* a, int64_t a_width, int64_t ta,
                         const float* b, int64_t b_rows, int64_t b_cols, bool trans_b,
                         float* c, int64_t c_width, int64_t tc, float beta) {
  GemmArgs g;
  g.M = s.batch;
  g.K = a_width;
  g.N = trans_b ? b_rows : b_cols;
  g.trans_b = trans_b;
  g.a = a + ta * a_width;
  g.lda = s.steps * a_width;
  g.b = b;
  g.ldb = b_cols;
  g.c = c + tc * c_width;
  g.ldc = s.steps * c_width;
  g.beta = beta;
  return g;
}

}  // namespace

double lstm_scratch_bytes(const LstmShape& s, LstmPass pass) {
  const double B = static_cast<double>(s.batch), T = static_cast<double>(s.steps), F = static_cast<double>(s.features),
               U = static_cast<double>(s.units), G = 4 * U, K = F + U;
  constexpr double f = sizeof(float);
  if (pass == LstmPass::kForward) return f * U;  // writes straight into its outputs
  if (pass == LstmPass::kInference) return f * (K * G + B * (K + G + 2 * U));  // stacked weights, per-row state
  // dz, hs, R^T, dh/dc carries, and the weight-gradient products' split-K partials (at most
  // one [F or U, 4U] partial per 512 rows of B*T).
  const double partials = std::ceil(B * T / 512.0) * K * G;
  return f * (B * T * (G + U) + G * U + 2 * B * U + U + partials);
}

void lstm_forward(const LstmShape& s, const float* x, const LstmWeights& w, const LstmForwardOut& out) {
  check_lstm_shape(s);
  require(x, "x");
  require(w.kernel, "kernel");
  require(w.recurrent, "recurrent kernel");
  require(w.bias, "bias");
  require(out.h, "h");
  require(out.gates, "gates");
  require(out.cells, "cells");
  const int64_t B = s.batch, T = s.steps, F = s.features, U = s.units, G = 4 * U;

  // z = x W + b for every (b, t) at once: [B*T, F] x [F, 4U].
  GemmArgs proj;
  proj.M = B * T; proj.N = G; proj.K = F;
  proj.a = x; proj.lda = F;
  proj.b = w.kernel; proj.ldb = G;
  proj.c = out.gates; proj.ldc = G;
  proj.bias = w.bias; proj.bias_cs = 1;
  gemm(proj);

  const std::vector<float> zeros(static_cast<std::size_t>(U), 0.0f);  // c_{-1}: keeps the cell loop branch-free (vectorised)
  parallel_for(static_cast<std::size_t>(B), row_block(B), [&](std::size_t b0, std::size_t b1) {
    for (int64_t step = 0; step < T; ++step) {
      const int64_t t = lstm_time(s, step), t_prev = step > 0 ? lstm_time(s, step - 1) : -1;
      // z_t += h_{step-1} R for these rows (h is stored by processing step, gates by input time);
      // the nested gemm runs inline on this worker.
      if (step > 0) {
        GemmArgs g = step_rows_times(s, out.h, U, step - 1, w.recurrent, U, G, false, out.gates, G, t, 1.0f);
        g.M = static_cast<int64_t>(b1 - b0);
        g.a += static_cast<int64_t>(b0) * g.lda;
        g.c += static_cast<int64_t>(b0) * g.ldc;
        g.serial = true;  // row blocks are the parallel unit
        gemm(g);
      }
      for (int64_t b = static_cast<int64_t>(b0); b < static_cast<int64_t>(b1); ++b) {
        float* z = out.gates + (b * T + t) * G;
        const float* c_prev = t_prev >= 0 ? out.cells + (b * T + t_prev) * U : zeros.data();
        float* c = out.cells + (b * T + t) * U;
        float* h = out.h + (b * T + step) * U;
        cell_row_forward(z, U, c_prev, c, h);
      }
    }
  });
}

void lstm_inference(const LstmShape& s, const float* x, const LstmWeights& w, float* h, bool last_only) {
  check_lstm_shape(s);
  require(x, "x");
  require(w.kernel, "kernel");
  require(w.recurrent, "recurrent kernel");
  require(w.bias, "bias");
  require(h, "h");
  const int64_t B = s.batch, T = s.steps, F = s.features, U = s.units, G = 4 * U, K = F + U;

  // z_t = [x_t | h_{t-1}] [W; R] + b: one product per step with the input projection riding
  // along (the stacked weights are built once per call).
  std::vector<float> stacked(static_cast<std::size_t>(K * G));
  std::copy(w.kernel, w.kernel + F * G, stacked.begin());
  std::copy(w.recurrent, w.recurrent + U * G, stacked.begin() + F * G);

  parallel_for(static_cast<std::size_t>(B), row_block(B), [&](std::size_t b0, std::size_t b1) {
    const int64_t rows = static_cast<int64_t>(b1 - b0);
    // Per row: xh = [x_t | h_{t-1}] (h_{-1} = 0), the gates z, and the cell state before/after.
    std::vector<float> xh(static_cast<std::size_t>(rows * K), 0.0f), z(static_cast<std::size_t>(rows * G));
    std::vector<float> c_prev(static_cast<std::size_t>(rows * U), 0.0f), c(static_cast<std::size_t>(rows * U));
    GemmArgs g;
    g.M = rows; g.N = G; g.K = K;
    g.a = xh.data(); g.lda = K;
    g.b = stacked.data(); g.ldb = G;
    g.c = z.data(); g.ldc = G;
    g.bias = w.bias; g.bias_cs = 1;
    g.serial = true;  // row blocks are the parallel unit
    for (int64_t step = 0; step < T; ++step) {
      const int64_t t = lstm_time(s, step);
      for (int64_t r = 0; r < rows; ++r) {
        const float* xt = x + ((static_cast<int64_t>(b0) + r) * T + t) * F;
        std::copy(xt, xt + F, xh.data() + r * K);
      }
      gemm(g);
      for (int64_t r = 0; r < rows; ++r) {
        float* hr = xh.data() + r * K + F;  // h_t replaces h_{t-1}: the next step's input
        cell_row_forward(z.data() + r * G, U, c_prev.data() + r * U, c.data() + r * U, hr);
        const int64_t b = static_cast<int64_t>(b0) + r;
        if (!last_only) std::copy(hr, hr + U, h + (b * T + step) * U);
        else if (step == T - 1) std::copy(hr, hr + U, h + b * U);
      }
      c_prev.swap(c);
    }
  });
}

void lstm_backward(const LstmShape& s, const float* x, const LstmWeights& w, const float* h,
                   const float* gates, const float* cells, const float* dh, const LstmGrads& grads) {
  check_lstm_shape(s);
  for (auto [p, name] : {std::pair<const void*, const char*>{x, "x"}, {w.kernel, "kernel"},
                         {w.recurrent, "recurrent kernel"}, {h, "h"}, {gates, "gates"},
                         {cells, "cells"}, {dh, "dh"}, {grads.dx, "dx"}, {grads.dkernel, "dkernel"},
                         {grads.drecurrent, "drecurrent"}, {grads.dbias, "dbias"}})
    require(p, name);
  const int64_t B = s.batch, T = s.steps, F = s.features, U = s.units, G = 4 * U;

  std::vector<float> dz(static_cast<std::size_t>(B * T * G));        // dL/dz by input time
  std::vector<float> dh_next(static_cast<std::size_t>(B * U), 0.0f);  // from step+1 via R^T
  std::vector<float> dc_next(static_cast<std::size_t>(B * U), 0.0f);

  // R^T [4U, U] once, so the per-step dz_t R^T reads its B operand row-major (the GEMM packs
  // row-major B with whole-vector copies, a transposed B one element at a time, every step).
  std::vector<float> rt(static_cast<std::size_t>(G * U));
  for (int64_t n = 0; n < U; ++n)
    for (int64_t k = 0; k < G; ++k) rt[static_cast<std::size_t>(k * U + n)] = w.recurrent[n * G + k];

  const std::vector<float> zeros(static_cast<std::size_t>(U), 0.0f);
  parallel_for(static_cast<std::size_t>(B), row_block(B), [&](std::size_t b0, std::size_t b1) {
    for (int64_t step = T - 1; step >= 0; --step) {
      const int64_t t = lstm_time(s, step), t_prev = step > 0 ? lstm_time(s, step - 1) : -1;
      for (int64_t b = static_cast<int64_t>(b0); b < static_cast<int64_t>(b1); ++b) {
        const float* g = gates + (b * T + t) * G;
        const float* c = cells + (b * T + t) * U;
        const float* c_prev = t_prev >= 0 ? cells + (b * T + t_prev) * U : zeros.data();
        const float* dh_out = dh + (b * T + step) * U;
        float* dzr = dz.data() + (b * T + t) * G;
        float* dhn = dh_next.data() + b * U;
        float* dcn = dc_next.data() + b * U;
        cell_row_backward(g, U, c, c_prev, dh_out, dhn, dcn, dzr);
      }
      // dL/dh_{step-1} = dz_t R^T for these rows ([rows, 4U] x [4U, U]); unused after step 0.
      if (step > 0) {
        GemmArgs g = step_rows_times(s, dz.data(), G, t, rt.data(), G, U, false, dh_next.data(), U, 0, 0.0f);
        g.ldc = U;  // dh_next is a dense [B, U] buffer
        g.M = static_cast<int64_t>(b1 - b0);
        g.a += static_cast<int64_t>(b0) * g.lda;
        g.c += static_cast<int64_t>(b0) * g.ldc;
        g.serial = true;  // row blocks are the parallel unit
        gemm(g);
      }
    }
  });

  // dx = dz W^T: [B*T, 4U] x [4U, F].
  GemmArgs gx;
  gx.M = B * T; gx.N = F; gx.K = G; gx.trans_b = true;
  gx.a = dz.data(); gx.lda = G;
  gx.b = w.kernel; gx.ldb = G;
  gx.c = grads.dx; gx.ldc = F;
  gemm(gx);
  // dW = x^T dz: [F, B*T] x [B*T, 4U].
  GemmArgs gw;
  gw.M = F; gw.N = G; gw.K = B * T; gw.trans_a = true;
  gw.a = x; gw.lda = F;
  gw.b = dz.data(); gw.ldb = G;
  gw.c = grads.dkernel; gw.ldc = G;
  gemm(gw);
  // dR = sum over steps >= 1 of h_{step-1}^T dz_{t(step)}: one [U, B*T] x [B*T, 4U] product over
  // hs, h shifted one step and stored by input time (hs[b, t(step)] = h[b, step-1], zero at the
  // first step), instead of T-1 small accumulating products.
  std::vector<float> hs(static_cast<std::size_t>(B * T * U));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t step = 0; step < T; ++step) {
      float* dst = hs.data() + (b * T + lstm_time(s, step)) * U;
      if (step == 0) std::fill(dst, dst + U, 0.0f);
      else std::copy(h + (b * T + step - 1) * U, h + (b * T + step) * U, dst);
    }
  GemmArgs gr;
  gr.M = U; gr.N = G; gr.K = B * T; gr.trans_a = true;
  gr.a = hs.data(); gr.lda = U;
  gr.b = dz.data(); gr.ldb = G;
  gr.c = grads.drecurrent; gr.ldc = G;
  gemm(gr);
  // dbias = column sums of dz.
  std::fill(grads.dbias, grads.dbias + G, 0.0f);
  for (int64_t r = 0; r < B * T; ++r) {
    const float* row = dz.data() + r * G;
    for (int64_t j = 0; j < G; ++j) grads.dbias[j] += row[j];
  }
}

}  // namespace ntp
