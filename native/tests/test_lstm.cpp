// Fused LSTM against a direct double-precision reference (forward) and central finite
// differences of that reference (every gradient), both directions; CUDA against CPU on a GPU.
#include <cmath>
#include <random>
#include <vector>

#include "../core/nn/lstm.h"
#include "../cuda/cuda_api.h"
#include "check.h"
#include "cuda_guard.h"

using namespace ntp;

namespace {

struct Problem {
  LstmShape s;
  std::vector<float> x, kernel, recurrent, bias, r;  // r: weights of the scalar loss sum(h * r)
};

Problem make(int64_t B, int64_t T, int64_t F, int64_t U, bool reverse, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-0.6f, 0.6f);
  auto fill = [&](std::size_t n) { std::vector<float> v(n); for (auto& e : v) e = u(rng); return v; };
  Problem p;
  p.s = LstmShape{B, T, F, U, reverse};
  p.x = fill(B * T * F);
  p.kernel = fill(F * 4 * U);
  p.recurrent = fill(U * 4 * U);
  p.bias = fill(4 * U);
  p.r = fill(B * T * U);
  return p;
}

// Straight from the equations, in double, one (b, step) at a time. Returns h [B, T, U] in
// processing order.
std::vector<double> reference_h(const Problem& p, const std::vector<double>& x, const std::vector<double>& W,
                                const std::vector<double>& R, const std::vector<double>& bias) {
  const int64_t B = p.s.batch, T = p.s.steps, F = p.s.features, U = p.s.units;
  auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  std::vector<double> out(B * T * U);
  for (int64_t b = 0; b < B; ++b) {
    std::vector<double> h(U, 0.0), c(U, 0.0), z(4 * U);
    for (int64_t step = 0; step < T; ++step) {
      const int64_t t = lstm_time(p.s, step);
      for (int64_t j = 0; j < 4 * U; ++j) {
        double v = bias[j];
        for (int64_t f = 0; f < F; ++f) v += x[(b * T + t) * F + f] * W[f * 4 * U + j];
        for (int64_t k = 0; k < U; ++k) v += h[k] * R[k * 4 * U + j];
        z[j] = v;
      }
      for (int64_t k = 0; k < U; ++k) {
        c[k] = sig(z[U + k]) * c[k] + sig(z[k]) * std::tanh(z[2 * U + k]);
        h[k] = sig(z[3 * U + k]) * std::tanh(c[k]);
        out[(b * T + step) * U + k] = h[k];
      }
    }
  }
  return out;
}

std::vector<double> to_d(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

double loss(const Problem& p, const std::vector<double>& x, const std::vector<double>& W,
            const std::vector<double>& R, const std::vector<double>& bias) {
  const auto h = reference_h(p, x, W, R, bias);
  double l = 0;
  for (std::size_t i = 0; i < h.size(); ++i) l += h[i] * p.r[i];
  return l;
}

struct Run { std::vector<float> h, gates, cells, dx, dk, dr, db; };

Run run(const Problem& p, bool cuda) {
  const auto& s = p.s;
  Run o;
  o.h.resize(s.batch * s.steps * s.units);
  o.gates.resize(s.batch * s.steps * 4 * s.units);
  o.cells.resize(s.batch * s.steps * s.units);
  o.dx.resize(p.x.size());
  o.dk.resize(p.kernel.size());
  o.dr.resize(p.recurrent.size());
  o.db.resize(p.bias.size());
  LstmWeights w{p.kernel.data(), p.recurrent.data(), p.bias.data()};
  LstmForwardOut fo{o.h.data(), o.gates.data(), o.cells.data()};
  LstmGrads gr{o.dx.data(), o.dk.data(), o.dr.data(), o.db.data()};
#ifdef NTP_HAVE_CUDA
  if (cuda) {
    cuda::lstm_forward(s, p.x.data(), w, fo);
    cuda::lstm_backward(s, p.x.data(), w, o.h.data(), o.gates.data(), o.cells.data(), p.r.data(), gr);
    return o;
  }
#endif
  (void)cuda;
  lstm_forward(s, p.x.data(), w, fo);
  lstm_backward(s, p.x.data(), w, o.h.data(), o.gates.data(), o.cells.data(), p.r.data(), gr);
  return o;
}

// Central differences of the double reference loss w.r.t. each element of `param`.
bool grad_matches(const Problem& p, int which, const std::vector<float>& analytic) {
  std::vector<double> x = to_d(p.x), W = to_d(p.kernel), R = to_d(p.recurrent), bias = to_d(p.bias);
  std::vector<double>* v = which == 0 ? &x : which == 1 ? &W : which == 2 ? &R : &bias;
  const double eps = 1e-5;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const double keep = (*v)[i];
    (*v)[i] = keep + eps;
    const double up = loss(p, x, W, R, bias);
    (*v)[i] = keep - eps;
    const double down = loss(p, x, W, R, bias);
    (*v)[i] = keep;
    const double fd = (up - down) / (2 * eps);
    if (!test::close_rel(analytic[i], fd, 1e-3, 1e-4)) {
      std::fprintf(stderr, "  grad %d [%zu]: analytic %.8g vs finite difference %.8g\n", which, i, analytic[i], fd);
      return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE(forward_matches_reference) {
  for (bool reverse : {false, true}) {
    Problem p = make(5, 7, 3, 6, reverse, 1);
    Run o = run(p, false);
    const auto h = reference_h(p, to_d(p.x), to_d(p.kernel), to_d(p.recurrent), to_d(p.bias));
    for (std::size_t i = 0; i < h.size(); ++i) CHECK(test::close_rel(o.h[i], h[i], 1e-5, 1e-6));
  }
}

TEST_CASE(gradients_match_finite_differences) {
  for (bool reverse : {false, true}) {
    Problem p = make(3, 5, 4, 3, reverse, reverse ? 3 : 2);
    Run o = run(p, false);
    CHECK(grad_matches(p, 0, o.dx));
    CHECK(grad_matches(p, 1, o.dk));
    CHECK(grad_matches(p, 2, o.dr));
    CHECK(grad_matches(p, 3, o.db));
  }
}

TEST_CASE(larger_problem_matches_reference) {
  // Sizes that cross the GEMM's blocking and the thread pool's chunking.
  Problem p = make(37, 20, 11, 33, true, 4);
  Run o = run(p, false);
  const auto h = reference_h(p, to_d(p.x), to_d(p.kernel), to_d(p.recurrent), to_d(p.bias));
  for (std::size_t i = 0; i < h.size(); ++i) CHECK(test::close_rel(o.h[i], h[i], 1e-4, 1e-6));
}

TEST_CASE(inference_matches_training_forward) {
  // Sizes that split the batch into several row blocks; the stacked product sums in another
  // order than the training forward's two, so float32 tolerance, not equal bits.
  for (bool reverse : {false, true}) {
    Problem p = make(37, 20, 11, 33, reverse, 5);
    const Run o = run(p, false);
    const auto& s = p.s;
    const LstmWeights w{p.kernel.data(), p.recurrent.data(), p.bias.data()};
    std::vector<float> all(s.batch * s.steps * s.units), last(s.batch * s.units);
    lstm_inference(s, p.x.data(), w, all.data(), false);
    lstm_inference(s, p.x.data(), w, last.data(), true);
    for (std::size_t i = 0; i < all.size(); ++i) CHECK(test::close_rel(all[i], o.h[i], 1e-5, 1e-6));
    for (int64_t b = 0; b < s.batch; ++b)
      for (int64_t u = 0; u < s.units; ++u)
        CHECK(last[b * s.units + u] == all[(b * s.steps + s.steps - 1) * s.units + u]);
  }
}

TEST_CASE(bad_shapes_throw) {
  std::vector<float> buf(64);
  LstmWeights w{buf.data(), buf.data(), buf.data()};
  LstmForwardOut fo{buf.data(), buf.data(), buf.data()};
  CHECK_THROWS(lstm_forward(LstmShape{0, 2, 2, 2, false}, buf.data(), w, fo));
  CHECK_THROWS(lstm_forward(LstmShape{1, 2, 2, 2, false}, nullptr, w, fo));
  LstmWeights no_bias{buf.data(), buf.data(), nullptr};
  CHECK_THROWS(lstm_forward(LstmShape{1, 2, 2, 2, false}, buf.data(), no_bias, fo));
  CHECK_THROWS(lstm_inference(LstmShape{1, 0, 2, 2, false}, buf.data(), w, buf.data(), true));
  CHECK_THROWS(lstm_inference(LstmShape{1, 2, 2, 2, false}, buf.data(), no_bias, buf.data(), true));
}

TEST_CASE(cuda_matches_cpu) {
  NTP_CUDA_OR_SKIP();
  for (bool reverse : {false, true}) {
    Problem p = make(70, 33, 9, 40, reverse, 5);
    Run a = run(p, false), b = run(p, true);
    const std::vector<float>* pairs[][2] = {{&a.h, &b.h}, {&a.dx, &b.dx}, {&a.dk, &b.dk}, {&a.dr, &b.dr}, {&a.db, &b.db}};
    for (auto& pr : pairs)
      for (std::size_t i = 0; i < pr[0]->size(); ++i) CHECK(test::close_rel((*pr[0])[i], (*pr[1])[i], 1e-3, 1e-4));
  }
}

NTP_TEST_MAIN
