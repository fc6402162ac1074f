#include "layer_norm.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "../thread_pool.h"

namespace ntp {

void check_layer_norm(int64_t rows, int64_t dim, const LayerNormResidual& res) {
  if (rows < 0 || dim < 1)
    throw std::invalid_argument("layer_norm: rows must be >= 0 and dim >= 1 (got " + std::to_string(rows) + ", " +
                                std::to_string(dim) + ")");
  if (!(res.dropout >= 0.0f && res.dropout < 1.0f))
    throw std::invalid_argument("layer_norm: dropout must be in [0, 1) (got " + std::to_string(res.dropout) + ")");
}

namespace {

void check(int64_t rows, int64_t dim, const LayerNormResidual& res, std::initializer_list<const void*> ptrs) {
  check_layer_norm(rows, dim, res);
  for (const void* p : ptrs)
    if (!p) throw std::invalid_argument("layer_norm: null buffer");
}

}  // namespace

void layer_norm_forward(int64_t rows, int64_t dim, float epsilon, const float* x, const float* gamma,
                        const float* beta, float* y, float* mean, float* rstd, const LayerNormResidual& res,
                        float* sum) {
  check(rows, dim, res, {x, gamma, beta, y});
  const float inv_keep = 1.0f / (1.0f - res.dropout);
  parallel_for(static_cast<std::size_t>(rows), 64, [&](std::size_t r0, std::size_t r1) {
    std::vector<float> row_sum(res.residual && !sum ? static_cast<std::size_t>(dim) : 0);  // s when not kept
    for (std::size_t r = r0; r < r1; ++r) {
      const float* xr = x + r * dim;
      if (res.residual) {
        float* sr = sum ? sum + r * dim : row_sum.data();
        for (int64_t j = 0; j < dim; ++j) sr[j] = layer_norm_input(xr[j], res, inv_keep, r * static_cast<uint64_t>(dim) + j);
        xr = sr;
      }
      // `omp simd` vectorises the row sums (lane partials combined in a fixed order).
      float m = 0.0f;
#pragma omp simd reduction(+ : m)
      for (int64_t j = 0; j < dim; ++j) m += xr[j];
      m /= static_cast<float>(dim);
      float v = 0.0f;
#pragma omp simd reduction(+ : v)
      for (int64_t j = 0; j < dim; ++j) v += (xr[j] - m) * (xr[j] - m);
      v /= static_cast<float>(dim);
      const float rs = 1.0f / std::sqrt(v + epsilon);
      if (mean) mean[r] = m;
      if (rstd) rstd[r] = rs;
      float* yr = y + r * dim;
      for (int64_t j = 0; j < dim; ++j) yr[j] = (xr[j] - m) * rs * gamma[j] + beta[j];
    }
  });
}

void layer_norm_backward(int64_t rows, int64_t dim, const float* x, const float* gamma, const float* mean,
                         const float* rstd, const float* dy, float* dx, float* dgamma, float* dbeta,
                         const LayerNormResidual& res, float* dresidual) {
  check(rows, dim, {nullptr, res.dropout, res.seed}, {x, gamma, mean, rstd, dy, dx, dgamma, dbeta});
  const float inv_keep = 1.0f / (1.0f - res.dropout);
  // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * gamma; per-thread partial sums
  // for dgamma / dbeta, reduced at the end (no atomics).
  const std::size_t chunks = std::max<std::size_t>(1, std::min<std::size_t>(thread_count() * 4, static_cast<std::size_t>(rows)));
  std::vector<float> partial(chunks * 2 * dim, 0.0f);
  const std::size_t per = (static_cast<std::size_t>(rows) + chunks - 1) / chunks;
  parallel_for(chunks, 1, [&](std::size_t c0, std::size_t c1) {
    std::vector<float> g(static_cast<std::size_t>(dim));
    for (std::size_t c = c0; c < c1; ++c) {
      float* pg = partial.data() + c * 2 * dim;
      float* pb = pg + dim;
      const std::size_t end = std::min<std::size_t>(static_cast<std::size_t>(rows), (c + 1) * per);
      for (std::size_t r = c * per; r < end; ++r) {
        const float* xr = x + r * dim;
        const float* dyr = dy + r * dim;
        const float m = mean[r], rs = rstd[r];
        float sg = 0.0f, sgx = 0.0f;
#pragma omp simd reduction(+ : sg, sgx)
        for (int64_t j = 0; j < dim; ++j) {
          const float xh = (xr[j] - m) * rs;
          g[j] = dyr[j] * gamma[j];
          sg += g[j];
          sgx += g[j] * xh;
          pg[j] += dyr[j] * xh;
          pb[j] += dyr[j];
        }
        sg /= static_cast<float>(dim);
        sgx /= static_cast<float>(dim);
        float* dxr = dx + r * dim;
        for (int64_t j = 0; j < dim; ++j) dxr[j] = rs * (g[j] - sg - (xr[j] - m) * rs * sgx);
        if (dresidual) {
          float* drr = dresidual + r * dim;
          for (int64_t j = 0; j < dim; ++j) drr[j] = layer_norm_residual_grad(dxr[j], res, inv_keep, r * static_cast<uint64_t>(dim) + j);
        }
      }
    }
  });
  std::fill(dgamma, dgamma + dim, 0.0f);
  std::fill(dbeta, dbeta + dim, 0.0f);
  for (std::size_t c = 0; c < chunks; ++c)
    for (int64_t j = 0; j < dim; ++j) {
      dgamma[j] += partial[c * 2 * dim + j];
      dbeta[j] += partial[c * 2 * dim + dim + j];
    }
}

}  // namespace ntp
