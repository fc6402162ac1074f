// Learnable-indicator kernels (core/indicator_layers) against a naive float64 reference written
// here from SPEC §5's definitions: forward values, the analytic backward pass against central
// finite differences of that reference, argument checks, and CUDA against CPU with a GPU.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "../core/indicators/indicator_layers.h"
#include "../core/indicators/recurrence.h"
#include "../cuda/cuda_api.h"
#include "check.h"
#include "cuda_guard.h"
#include "synthetic_candles.h"

using namespace ntp;

namespace {

// ---- float64 reference: full series, textbook formulas, nothing shared with the kernels ----

std::vector<double> ema(const std::vector<double>& x, double a) {
  std::vector<double> y(x.size());
  for (std::size_t t = 0; t < x.size(); ++t) y[t] = t == 0 ? x[0] : a * x[t] + (1 - a) * y[t - 1];
  return y;
}

// Outputs of one row for one layer, the periods as given (MACD: triples).
std::vector<double> reference(IndicatorKind kind, const std::vector<double>& c,
                              const std::vector<double>& p) {
  const std::size_t T = c.size();
  const double cl = c[T - 1];
  std::vector<double> out;
  for (std::size_t g = 0; g < p.size(); g += indicator_group_width(kind)) {
    switch (kind) {
      case IndicatorKind::kMa: out.push_back(ema(c, 2 / (p[g] + 1)).back() / cl - 1); break;
      case IndicatorKind::kMacd: {
        const auto f = ema(c, 2 / (p[g] + 1)), s = ema(c, 2 / (p[g + 1] + 1));
        std::vector<double> m(T);
        for (std::size_t t = 0; t < T; ++t) m[t] = f[t] - s[t];
        const double sig = ema(m, 2 / (p[g + 2] + 1)).back();
        out.push_back(m.back());
        out.push_back(sig);
        out.push_back(m.back() - sig);
        break;
      }
      case IndicatorKind::kRsi: {
        std::vector<double> up, dn;
        for (std::size_t t = 1; t < T; ++t) {
          up.push_back(std::max(c[t] - c[t - 1], 0.0));
          dn.push_back(std::max(c[t - 1] - c[t], 0.0));
        }
        const double G = ema(up, 1 / p[g]).back(), L = ema(dn, 1 / p[g]).back();
        out.push_back(G / (G + L + 1e-8) - 0.5);
        break;
      }
      case IndicatorKind::kBollinger: {
        // Unshifted textbook form: sigma^2 = ema(c^2) - ema(c)^2 (fine in double).
        std::vector<double> c2(T);
        for (std::size_t t = 0; t < T; ++t) c2[t] = c[t] * c[t];
        const double mu = ema(c, 2 / (p[g] + 1)).back(), q = ema(c2, 2 / (p[g] + 1)).back();
        out.push_back((cl - mu) / (2 * std::sqrt(std::max(q - mu * mu, 0.0)) + 1e-8));
        break;
      }
      case IndicatorKind::kMomentum: {
        const int n = static_cast<int>(std::floor(p[g]));
        const double f = p[g] - n;
        out.push_back(cl / ((1 - f) * c[T - 1 - n] + f * c[T - 2 - n]) - 1);
        break;
      }
    }
  }
  return out;
}

struct Case {
  IndicatorKind kind;
  std::vector<float> periods;
};

// Non-integer momentum lags keep the finite differences off floor()'s jumps.
const std::vector<Case> kCases = {
    {IndicatorKind::kMa, {5, 15.5f, 30}},
    {IndicatorKind::kMacd, {12, 26, 9, 5, 35.25f, 5, 19, 39, 9.5f}},
    {IndicatorKind::kRsi, {9, 14, 21.5f}},
    {IndicatorKind::kBollinger, {10, 20, 30.5f}},
    {IndicatorKind::kMomentum, {5.3f, 10.7f, 20.25f}},
};

// Closes of `rows` windows of length T normalised by each window's last close, like windowing.
std::vector<float> windows(std::size_t rows, int T, uint32_t seed) {
  auto k = test::random_candles(rows + T + 1, seed);
  std::vector<float> c(rows * T);
  for (std::size_t r = 0; r < rows; ++r)
    for (int t = 0; t < T; ++t) c[r * T + t] = static_cast<float>(k.c[r + t] / k.c[r + T - 1]);
  return c;
}

IndicatorBatch batch_of(const Case& cs, const std::vector<float>& c, int rows, int T) {
  IndicatorBatch b;
  b.kind = cs.kind;
  b.close = c.data();
  b.batch = rows;
  b.time = T;
  b.periods = cs.periods.data();
  b.period_count = static_cast<int32_t>(cs.periods.size());
  return b;
}

std::vector<double> as_double(const float* v, std::size_t n) { return std::vector<double>(v, v + n); }

}  // namespace

TEST_CASE(forward_matches_float64_reference) {
  const int rows = 37, T = 64;
  const auto c = windows(rows, T, 3);
  for (const auto& cs : kCases) {
    const auto b = batch_of(cs, c, rows, T);
    std::vector<float> out(rows * cs.periods.size());
    indicator_forward(b, out.data());
    double worst = 0;
    for (int r = 0; r < rows; ++r) {
      const auto ref = reference(cs.kind, as_double(&c[r * T], T), as_double(cs.periods.data(), cs.periods.size()));
      for (std::size_t k = 0; k < ref.size(); ++k) {
        const double v = out[r * ref.size() + k];
        worst = std::max(worst, std::fabs(v - ref[k]) / std::max(std::fabs(ref[k]), 1e-6));
        CHECK_CLOSE(v, ref[k], 1e-6);
      }
    }
    std::printf("  forward %-9s max rel err %.2e\n", indicator_kind_name(cs.kind), worst);
  }
}

// L = sum_{r,k} w_{r,k} out_{r,k}; dL/dclose and dL/dperiods from the kernel against central
// differences of the float64 reference (h = 1e-6 relative). Errors are measured relative to
// the largest gradient entry of the same tensor, since single entries may be ~0.
TEST_CASE(backward_matches_central_differences) {
  const int rows = 6, T = 48;
  std::mt19937 rng(5);
  std::normal_distribution<double> z(0, 1);
  for (uint32_t seed : {1u, 2u}) {
    const auto c = windows(rows, T, seed);
    for (const auto& cs : kCases) {
      const std::size_t K = cs.periods.size();
      std::vector<float> w(rows * K);
      for (auto& v : w) v = static_cast<float>(z(rng));
      const auto b = batch_of(cs, c, rows, T);
      std::vector<float> gc(rows * T), gp(K);
      indicator_backward(b, w.data(), gc.data(), gp.data());

      const auto periods = as_double(cs.periods.data(), K);
      auto loss = [&](int r, const std::vector<double>& row, const std::vector<double>& p) {
        const auto o = reference(cs.kind, row, p);
        double s = 0;
        for (std::size_t k = 0; k < K; ++k) s += w[r * K + k] * o[k];
        return s;
      };
      std::vector<double> fd_c(rows * T), fd_p(K, 0.0);
      for (int r = 0; r < rows; ++r) {
        auto row = as_double(&c[r * T], T);
        for (int t = 0; t < T; ++t) {
          const double h = 1e-6 * std::fabs(row[t]), x0 = row[t];
          row[t] = x0 + h; const double up = loss(r, row, periods);
          row[t] = x0 - h; const double dn = loss(r, row, periods);
          row[t] = x0;
          fd_c[r * T + t] = (up - dn) / (2 * h);
        }
        for (std::size_t k = 0; k < K; ++k) {
          auto p = periods;
          const double h = 1e-6 * p[k];
          p[k] = periods[k] + h; const double up = loss(r, row, p);
          p[k] = periods[k] - h; const double dn = loss(r, row, p);
          fd_p[k] += (up - dn) / (2 * h);
        }
      }
      auto max_rel = [](const std::vector<double>& ref, const float* got) {
        double scale = 1e-12, err = 0;
        for (double v : ref) scale = std::max(scale, std::fabs(v));
        for (std::size_t i = 0; i < ref.size(); ++i) err = std::max(err, std::fabs(got[i] - ref[i]));
        return err / scale;
      };
      const double ec = max_rel(fd_c, gc.data()), ep = max_rel(fd_p, gp.data());
      std::printf("  backward %-9s seed %u: max rel err dclose %.2e, dperiods %.2e\n",
                  indicator_kind_name(cs.kind), seed, ec, ep);
      CHECK(ec < 1e-5);
      CHECK(ep < 1e-5);
    }
  }
}

TEST_CASE(period_gradient_is_nonzero_and_batch_summed) {
  // Two identical rows give exactly twice one row's period gradient (the sum is over rows).
  const int T = 32;
  auto one = windows(1, T, 9);
  std::vector<float> two(one);
  two.insert(two.end(), one.begin(), one.end());
  for (const auto& cs : kCases) {
    const std::size_t K = cs.periods.size();
    // Unequal weights: with equal ones MACD's signal cancels (macd + signal + hist = 2 macd).
    std::vector<float> w1(K), w2(2 * K), gc1(T), gc2(2 * T), gp1(K), gp2(K);
    for (std::size_t k = 0; k < K; ++k) w1[k] = w2[k] = w2[K + k] = 1.0f + 0.5f * k;
    indicator_backward(batch_of(cs, one, 1, T), w1.data(), gc1.data(), gp1.data());
    indicator_backward(batch_of(cs, two, 2, T), w2.data(), gc2.data(), gp2.data());
    for (std::size_t k = 0; k < K; ++k) {
      CHECK(gp1[k] != 0.0f);
      CHECK_CLOSE(gp2[k], 2.0 * gp1[k], 1e-6);
    }
  }
}

TEST_CASE(simd_blocks_and_scalar_rows_agree) {
  // Five copies of one window: rows 0-3 run as one SIMD block, row 4 on the scalar path.
  const int T = 40;
  const auto one = windows(1, T, 12);
  std::vector<float> c;
  for (int r = 0; r < 5; ++r) c.insert(c.end(), one.begin(), one.end());
  for (const auto& cs : kCases) {
    const std::size_t K = cs.periods.size();
    const auto b = batch_of(cs, c, 5, T);
    std::vector<float> out(5 * K), w(5 * K, 0.5f), gc(5 * T), gp(K);
    indicator_forward(b, out.data());
    indicator_backward(b, w.data(), gc.data(), gp.data());
    for (int r = 0; r < 4; ++r) {
      for (std::size_t k = 0; k < K; ++k) CHECK_CLOSE(out[r * K + k], out[4 * K + k], 1e-6);
      for (int t = 0; t < T; ++t) CHECK_CLOSE(gc[r * T + t], gc[4 * T + t], 1e-6);
    }
  }
}

TEST_CASE(bad_arguments_throw) {
  const int T = 16;
  const auto c = windows(2, T, 4);
  auto run = [&](IndicatorKind kind, std::vector<float> p, int time) {
    std::vector<float> out(2 * p.size());
    Case cs{kind, p};
    auto b = batch_of(cs, c, 2, time);
    indicator_forward(b, out.data());
  };
  CHECK_THROWS(run(IndicatorKind::kMa, {0.5f}, T));                 // period < 1
  CHECK_THROWS(run(IndicatorKind::kRsi, {NAN}, T));                 // not finite
  CHECK_THROWS(run(IndicatorKind::kMacd, {12, 26}, T));             // not a triple
  CHECK_THROWS(run(IndicatorKind::kMomentum, {14.5f}, T));          // lag > T-2
  CHECK_THROWS(run(IndicatorKind::kMomentum, {0.9f}, T));           // lag < 1
  CHECK_THROWS(run(IndicatorKind::kMa, {5}, 1));                 // T too short
  CHECK_THROWS(parse_indicator_kind("ema"));
  // Momentum at exactly T-2 reads index 0 and is valid.
  run(IndicatorKind::kMomentum, {static_cast<float>(T - 2)}, T);
  std::vector<float> bad(c);
  bad[5] = NAN;
  Case cs{IndicatorKind::kBollinger, {10}};
  std::vector<float> out(2);
  CHECK_THROWS(indicator_forward(batch_of(cs, bad, 2, T), out.data()));
}

// A momentum lag outside [1, T-2] (which the CUDA twin cannot check: its periods stay on the
// device) is taken as the nearest valid one, so no index leaves the row; valid lags are exact.
TEST_CASE(fractional_lag_stays_inside_the_row) {
  const int T = 10;
  for (const double p : {-5.0, 0.0, 0.99, 8.5, 9.0, 1e30, double(NAN), double(INFINITY), -double(INFINITY)}) {
    const FractionalLag lag(T, p);
    CHECK(lag.far >= 0 && lag.near <= T - 2 && lag.far == lag.near - 1);
    CHECK(lag.f >= 0.0 && lag.f < 1.0);
  }
  const FractionalLag mid(T, 3.25);
  CHECK(mid.near == T - 4 && mid.far == T - 5 && mid.f == 0.25);
  const FractionalLag top(T, 8.0);
  CHECK(top.near == 1 && top.far == 0 && top.f == 0.0);
}

TEST_CASE(cuda_matches_cpu) {
  NTP_CUDA_OR_SKIP();
#ifdef NTP_HAVE_CUDA
  const int rows = 300, T = 64;
  const auto c = windows(rows, T, 21);
  std::mt19937 rng(8);
  std::normal_distribution<float> z(0, 1);
  for (const auto& cs : kCases) {
    const std::size_t K = cs.periods.size();
    const auto b = batch_of(cs, c, rows, T);
    std::vector<float> o1(rows * K), o2(rows * K), w(rows * K);
    for (auto& v : w) v = z(rng);
    indicator_forward(b, o1.data());
    cuda::indicator_forward(b, o2.data());
    for (std::size_t i = 0; i < o1.size(); ++i) CHECK_CLOSE(o1[i], o2[i], 1e-6);
    std::vector<float> gc1(rows * T), gc2(rows * T), gp1(K), gp2(K);
    indicator_backward(b, w.data(), gc1.data(), gp1.data());
    cuda::indicator_backward(b, w.data(), gc2.data(), gp2.data());
    for (std::size_t i = 0; i < gc1.size(); ++i) CHECK_CLOSE(gc1[i], gc2[i], 1e-5);
    for (std::size_t k = 0; k < K; ++k) CHECK_CLOSE(gp1[k], gp2[k], 1e-5);
  }
#endif
}

NTP_TEST_MAIN
