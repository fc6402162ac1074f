// Fused attention and residual + layer norm against direct double-precision references
// (forward) and central finite differences of those references (backward), plus the fast exp.
#include <cmath>
#include <random>
#include <vector>

#include "../core/nn/attention.h"
#include "../core/nn/gemm_math.h"
#include "../core/nn/layer_norm.h"
#include "check.h"

using namespace ntp;

namespace {

std::vector<float> random_vec(std::size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// out[b, t, h*K + k] = sum_s softmax_s(q_t . k_s / sqrt(K)) v_s, straight from the definition,
// each weight kept (and scaled by 1/keep) or dropped by the shape's dropout mask.
std::vector<double> attention_reference(const AttentionShape& s, const std::vector<double>& qkv) {
  const int64_t T = s.steps, H = s.heads, K = s.key_dim, HK = H * K;
  std::vector<double> out(s.batch * T * HK);
  auto at = [&](int64_t b, int64_t t, int which, int64_t h, int64_t k) { return qkv[(b * T + t) * 3 * HK + which * HK + h * K + k]; };
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t t = 0; t < T; ++t) {
        std::vector<double> w(T);
        double mx = -1e300, sum = 0;
        for (int64_t u = 0; u < T; ++u) {
          double d = 0;
          for (int64_t k = 0; k < K; ++k) d += at(b, t, 0, h, k) * at(b, u, 1, h, k);
          w[u] = d / std::sqrt(static_cast<double>(K));
          mx = std::max(mx, w[u]);
        }
        for (auto& x : w) sum += (x = std::exp(x - mx));
        for (int64_t k = 0; k < K; ++k) {
          double o = 0;
          for (int64_t u = 0; u < T; ++u) {
            const uint64_t idx = static_cast<uint64_t>(((b * H + h) * T + t) * T + u);
            if (s.dropout > 0.0f && !dropout_keep(s.seed, idx, s.dropout)) continue;
            o += w[u] / sum / (1.0 - s.dropout) * at(b, u, 2, h, k);
          }
          out[(b * T + t) * HK + h * K + k] = o;
        }
      }
  return out;
}

}  // namespace

TEST_CASE(fast_exp_is_accurate) {
  for (float x = -80.0f; x <= 80.0f; x += 0.0137f) CHECK_CLOSE(fast_expf(x), std::exp(static_cast<double>(x)), 1e-6);
  for (float x = -9.0f; x <= 9.0f; x += 0.001f) {
    CHECK(std::fabs(fast_tanhf(x) - std::tanh(static_cast<double>(x))) < 3e-7);
    CHECK(std::fabs(fast_sigmoidf(x) - 1.0 / (1.0 + std::exp(-static_cast<double>(x)))) < 3e-7);
  }
  CHECK(fast_expf(-200.0f) >= 0.0f && fast_expf(-200.0f) < 1e-37f);
  CHECK(std::isfinite(fast_expf(200.0f)));
}

TEST_CASE(attention_forward_and_gradient) {
  for (const float rate : {0.0f, 0.3f}) {  // with dropout: the same mask in both passes
    const AttentionShape s{2, 5, 3, 4, rate, 99};
    const int64_t n = s.batch * s.steps * 3 * s.heads * s.key_dim, m = s.batch * s.steps * s.heads * s.key_dim;
    std::vector<float> qkv = random_vec(n, 1), probs(s.batch * s.heads * s.steps * s.steps), out(m), dqkv(n);
    attention_forward(s, qkv.data(), probs.data(), out.data());
    std::vector<double> qd(qkv.begin(), qkv.end());
    const auto ref = attention_reference(s, qd);
    for (int64_t i = 0; i < m; ++i) CHECK(test::close_rel(out[i], ref[i], 1e-5, 1e-6));
    // Loss = sum(out * r): analytic gradient vs central differences of the reference.
    const std::vector<float> r = random_vec(m, 2);
    attention_backward(s, qkv.data(), probs.data(), r.data(), dqkv.data());
    auto loss = [&](const std::vector<double>& q) {
      const auto o = attention_reference(s, q);
      double l = 0;
      for (int64_t i = 0; i < m; ++i) l += o[i] * r[i];
      return l;
    };
    for (int64_t i = 0; i < n; ++i) {
      std::vector<double> up = qd, down = qd;
      up[i] += 1e-5;
      down[i] -= 1e-5;
      CHECK(test::close_rel(dqkv[i], (loss(up) - loss(down)) / 2e-5, 1e-3, 1e-5));
    }
  }
}

TEST_CASE(attention_dropout_mask_is_shared_by_both_passes) {
  // With dropout the weights W' = mask * P / keep; the V gradient is W'^T dO, so with dO = 1 the
  // V gradients of one head sum to the sum of that head's output when V = 1 everywhere.
  const AttentionShape s{1, 16, 1, 2, 0.3f, 1234};
  const int64_t HK = 2, n = 16 * 3 * HK;
  std::vector<float> qkv = random_vec(n, 3, 0.3f);
  for (int64_t t = 0; t < 16; ++t) qkv[t * 3 * HK + 2 * HK] = qkv[t * 3 * HK + 2 * HK + 1] = 1.0f;
  std::vector<float> probs(16 * 16), out(16 * HK), dout(16 * HK, 1.0f), dqkv(n);
  attention_forward(s, qkv.data(), probs.data(), out.data());
  attention_backward(s, qkv.data(), probs.data(), dout.data(), dqkv.data());
  double out_sum = 0, dv_sum = 0;
  for (int64_t t = 0; t < 16; ++t) {
    out_sum += out[t * HK];
    dv_sum += dqkv[t * 3 * HK + 2 * HK];
  }
  CHECK_CLOSE(dv_sum, out_sum, 1e-5);
  CHECK(std::fabs(out_sum - 16.0) > 1e-3);  // some weights were dropped (fixed seed)
}

TEST_CASE(layer_norm_with_residual_forward_and_gradient) {
  const int64_t rows = 4, dim = 7;
  const std::vector<float> x = random_vec(rows * dim, 4), res = random_vec(rows * dim, 5), gamma = random_vec(dim, 6),
                           beta = random_vec(dim, 7), r = random_vec(rows * dim, 8);
  std::vector<float> y(rows * dim), sum(rows * dim), mean(rows), rstd(rows);
  LayerNormResidual rr{res.data(), 0.0f, 0};
  layer_norm_forward(rows, dim, 1e-3f, x.data(), gamma.data(), beta.data(), y.data(), mean.data(), rstd.data(), rr, sum.data());
  auto reference = [&](const std::vector<double>& xd, const std::vector<double>& rd, const std::vector<double>& g,
                       const std::vector<double>& b) {
    std::vector<double> out(rows * dim);
    for (int64_t i = 0; i < rows; ++i) {
      double m = 0, v = 0;
      for (int64_t j = 0; j < dim; ++j) m += xd[i * dim + j] + rd[i * dim + j];
      m /= dim;
      for (int64_t j = 0; j < dim; ++j) v += std::pow(xd[i * dim + j] + rd[i * dim + j] - m, 2);
      v /= dim;
      for (int64_t j = 0; j < dim; ++j) out[i * dim + j] = (xd[i * dim + j] + rd[i * dim + j] - m) / std::sqrt(v + 1e-3) * g[j] + b[j];
    }
    return out;
  };
  std::vector<double> xd(x.begin(), x.end()), rd(res.begin(), res.end()), gd(gamma.begin(), gamma.end()), bd(beta.begin(), beta.end());
  const auto ref = reference(xd, rd, gd, bd);
  for (int64_t i = 0; i < rows * dim; ++i) CHECK(test::close_rel(y[i], ref[i], 1e-5, 1e-6));
  std::vector<float> dx(rows * dim), dres(rows * dim), dgamma(dim), dbeta(dim);
  layer_norm_backward(rows, dim, sum.data(), gamma.data(), mean.data(), rstd.data(), r.data(), dx.data(), dgamma.data(),
                      dbeta.data(), rr, dres.data());
  auto loss = [&](const std::vector<double>& a, const std::vector<double>& b2, const std::vector<double>& g, const std::vector<double>& b) {
    const auto o = reference(a, b2, g, b);
    double l = 0;
    for (int64_t i = 0; i < rows * dim; ++i) l += o[i] * r[i];
    return l;
  };
  const double eps = 1e-6;
  for (int which = 0; which < 4; ++which) {
    std::vector<double>* v = which == 0 ? &xd : which == 1 ? &rd : which == 2 ? &gd : &bd;
    const std::vector<float>& analytic = which == 0 ? dx : which == 1 ? dres : which == 2 ? dgamma : dbeta;
    for (std::size_t i = 0; i < v->size(); ++i) {
      const double keep = (*v)[i];
      (*v)[i] = keep + eps;
      const double up = loss(xd, rd, gd, bd);
      (*v)[i] = keep - eps;
      const double down = loss(xd, rd, gd, bd);
      (*v)[i] = keep;
      CHECK(test::close_rel(analytic[i], (up - down) / (2 * eps), 1e-3, 1e-5));
    }
  }
}

TEST_CASE(bad_arguments_throw) {
  std::vector<float> buf(64);
  CHECK_THROWS(attention_forward(AttentionShape{0, 2, 1, 1, 0.0f, 0}, buf.data(), buf.data(), buf.data()));
  CHECK_THROWS(attention_forward(AttentionShape{1, 2, 1, 1, 1.0f, 0}, buf.data(), buf.data(), buf.data()));
  CHECK_THROWS(layer_norm_forward(2, 0, 1e-3f, buf.data(), buf.data(), buf.data(), buf.data(), buf.data(), buf.data()));
  LayerNormResidual rr{buf.data(), 1.5f, 0};
  CHECK_THROWS(layer_norm_forward(2, 2, 1e-3f, buf.data(), buf.data(), buf.data(), buf.data(), nullptr, nullptr, rr, nullptr));
}

TEST_CASE(inference_forms_match_the_training_forms) {
  // Without the buffers kept for the backward pass (probs; mean, rstd, sum) the outputs are the
  // same bits, with and without dropout. Enough heads to run on every thread.
  for (const float rate : {0.0f, 0.3f}) {
    const AttentionShape s{6, 9, 4, 5, rate, 7};
    const int64_t n = s.batch * s.steps * 3 * s.heads * s.key_dim, m = s.batch * s.steps * s.heads * s.key_dim;
    const std::vector<float> qkv = random_vec(n, 11);
    std::vector<float> probs(s.batch * s.heads * s.steps * s.steps), kept(m), bare(m);
    attention_forward(s, qkv.data(), probs.data(), kept.data());
    attention_forward(s, qkv.data(), nullptr, bare.data());
    for (int64_t i = 0; i < m; ++i) CHECK(kept[i] == bare[i]);

    const int64_t rows = 300, dim = 6;
    const std::vector<float> x = random_vec(rows * dim, 12), res = random_vec(rows * dim, 13), gamma = random_vec(dim, 14),
                             beta = random_vec(dim, 15);
    std::vector<float> y(rows * dim), y_bare(rows * dim), sum(rows * dim), mean(rows), rstd(rows);
    const LayerNormResidual rr{res.data(), rate, 21};
    layer_norm_forward(rows, dim, 1e-3f, x.data(), gamma.data(), beta.data(), y.data(), mean.data(), rstd.data(), rr, sum.data());
    layer_norm_forward(rows, dim, 1e-3f, x.data(), gamma.data(), beta.data(), y_bare.data(), nullptr, nullptr, rr, nullptr);
    for (int64_t i = 0; i < rows * dim; ++i) CHECK(y[i] == y_bare[i]);
  }
}

NTP_TEST_MAIN
