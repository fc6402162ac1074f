// Plain indicators (core/plain_indicators) against direct float64 definitions written here,
// on synthetic random-walk candles, plus argument checks.
#include <cmath>
#include <vector>

#include "../core/plain_indicators.h"
#include "check.h"
#include "synthetic_candles.h"

using namespace ntp;

namespace {

const std::size_t kN = 3000;

std::vector<double> naive_ema(const std::vector<double>& x, double a) {
  std::vector<double> y(x.size());
  for (std::size_t t = 0; t < x.size(); ++t) y[t] = t == 0 ? x[0] : a * x[t] + (1 - a) * y[t - 1];
  return y;
}

void expect_series(const std::vector<double>& got, const std::vector<double>& want, double rel) {
  for (std::size_t t = 0; t < want.size(); ++t) {
    if (std::isnan(want[t])) { CHECK(std::isnan(got[t])); continue; }
    CHECK_CLOSE(got[t], want[t], rel);
  }
}

}  // namespace

TEST_CASE(ema_matches_definition_for_every_length) {
  auto k = test::random_candles(kN, 3);
  // Lengths around the 4-step blocking exercise every tail.
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{4},
                        std::size_t{5}, std::size_t{6}, std::size_t{7}, kN}) {
    std::vector<double> x(k.c.begin(), k.c.begin() + n), out(n);
    for (double p : {1.0, 2.0, 9.5, 50.0}) {
      ema_series(x.data(), n, p, out.data());
      expect_series(out, naive_ema(x, 2 / (p + 1)), 1e-13);
    }
  }
}

TEST_CASE(ema_many_equals_ema_series_exactly) {
  // The sweep engine computes EMAs several periods per pass; each must be the same series,
  // bit for bit, as ema_series (rule decisions must not depend on how periods are grouped).
  auto k = test::random_candles(kN, 5);
  const std::vector<double> periods = {5, 8, 10, 12, 15, 60, 70.5, 200, 1, 3000, 2};  // two groups of 4 and a tail
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{6}, kN}) {
    std::vector<std::vector<double>> many(periods.size(), std::vector<double>(n));
    std::vector<double*> outs;
    for (auto& m : many) outs.push_back(m.data());
    ema_series_many(k.c.data(), n, periods.data(), periods.size(), outs.data());
    std::vector<double> one(n);
    for (std::size_t i = 0; i < periods.size(); ++i) {
      ema_series(k.c.data(), n, periods[i], one.data());
      for (std::size_t t = 0; t < n; ++t) CHECK(many[i][t] == one[t]);
    }
  }
  double out[1];
  const double bad = 0.5;
  double* outs[1] = {out};
  CHECK_THROWS(ema_series_many(k.c.data(), 1, &bad, 1, outs));
}

TEST_CASE(sma_and_wma_match_definition) {
  auto k = test::random_candles(kN, 4);
  std::vector<double> out(kN);
  for (int p : {1, 3, 20, 200}) {
    sma_series(k.c.data(), kN, p, out.data());
    std::vector<double> want(kN, NAN);
    for (std::size_t t = p - 1; t < kN; ++t) {
      double s = 0;
      for (int i = 0; i < p; ++i) s += k.c[t - i];
      want[t] = s / p;
    }
    expect_series(out, want, 1e-12);
    wma_series(k.c.data(), kN, p, out.data());
    for (std::size_t t = p - 1; t < kN; ++t) {
      double s = 0;
      for (int i = 0; i < p; ++i) s += (p - i) * k.c[t - i];
      want[t] = s / (0.5 * p * (p + 1));
    }
    expect_series(out, want, 1e-12);
  }
}

TEST_CASE(rsi_is_wilder_seeded_at_the_first_difference) {
  auto k = test::random_candles(kN, 5);
  std::vector<double> out(kN);
  rsi_series(k.c.data(), kN, 14, out.data());
  CHECK(std::isnan(out[0]));
  double G = 0, L = 0;
  for (std::size_t t = 1; t < kN; ++t) {
    const double d = k.c[t] - k.c[t - 1];
    const double g = d > 0 ? d : 0, l = d < 0 ? -d : 0;
    if (t == 1) { G = g; L = l; } else { G = G + (g - G) / 14; L = L + (l - L) / 14; }
    CHECK_CLOSE(out[t], 100 * G / (G + L), 1e-12);
  }
  const double flat[4] = {5, 5, 5, 5};
  double o[4];
  rsi_series(flat, 4, 3, o);
  CHECK_CLOSE(o[3], 50.0, 0);
}

TEST_CASE(macd_bollinger_atr_momentum_stochastic_match_definitions) {
  auto k = test::random_candles(kN, 6);
  const std::size_t n = kN;
  std::vector<double> m(n), s(n), h(n);
  macd_series(k.c.data(), n, 12, 26, 9, m.data(), s.data(), h.data());
  const auto f = naive_ema(k.c, 2.0 / 13), sl = naive_ema(k.c, 2.0 / 27);
  std::vector<double> mm(n);
  for (std::size_t t = 0; t < n; ++t) mm[t] = f[t] - sl[t];
  const auto sg = naive_ema(mm, 2.0 / 10);
  for (std::size_t t = 0; t < n; ++t) {
    CHECK_CLOSE(m[t], mm[t], 1e-9);
    CHECK_CLOSE(s[t], sg[t], 1e-9);
    CHECK_CLOSE(h[t], mm[t] - sg[t], 1e-7);
  }
  std::vector<double> mid(n), up(n), lo(n);
  bollinger_series(k.c.data(), n, 20, 2, mid.data(), up.data(), lo.data());
  for (std::size_t t = 19; t < n; ++t) {
    double mu = 0, v = 0;
    for (int i = 0; i < 20; ++i) mu += k.c[t - i] / 20;
    for (int i = 0; i < 20; ++i) v += (k.c[t - i] - mu) * (k.c[t - i] - mu) / 20;
    CHECK_CLOSE(up[t], mu + 2 * std::sqrt(v), 1e-12);
    CHECK_CLOSE(lo[t], mu - 2 * std::sqrt(v), 1e-12);
  }
  CHECK(std::isnan(up[18]));
  std::vector<double> atr(n), tr(n);
  atr_series(k.h.data(), k.l.data(), k.c.data(), n, 14, atr.data());
  for (std::size_t t = 0; t < n; ++t)
    tr[t] = t == 0 ? k.h[0] - k.l[0]
                   : std::fmax(k.h[t] - k.l[t], std::fmax(std::fabs(k.h[t] - k.c[t - 1]), std::fabs(k.l[t] - k.c[t - 1])));
  expect_series(atr, naive_ema(tr, 1.0 / 14), 1e-12);
  std::vector<double> mo(n), roc(n);
  momentum_series(k.c.data(), n, 10, mo.data());
  roc_series(k.c.data(), n, 10, roc.data());
  CHECK(std::isnan(mo[9]) && std::isnan(roc[9]));
  for (std::size_t t = 10; t < n; ++t) {
    CHECK_CLOSE(mo[t], k.c[t] - k.c[t - 10], 1e-12);
    CHECK_CLOSE(roc[t], 100 * (k.c[t] / k.c[t - 10] - 1), 1e-9);
  }
  std::vector<double> sk(n), sd(n);
  stochastic_series(k.h.data(), k.l.data(), k.c.data(), n, 14, 3, sk.data(), sd.data());
  CHECK(std::isnan(sk[12]) && std::isnan(sd[14]));
  for (std::size_t t = 13; t < n; ++t) {
    double hh = -INFINITY, ll = INFINITY;
    for (int i = 0; i < 14; ++i) { hh = std::fmax(hh, k.h[t - i]); ll = std::fmin(ll, k.l[t - i]); }
    CHECK_CLOSE(sk[t], 100 * (k.c[t] - ll) / (hh - ll), 1e-12);
    if (t >= 15) CHECK_CLOSE(sd[t], (sk[t] + sk[t - 1] + sk[t - 2]) / 3, 1e-12);
  }
}

TEST_CASE(bad_periods_throw) {
  const double x[3] = {1, 2, 3};
  double o[3], o2[3], o3[3];
  CHECK_THROWS(ema_series(x, 3, 0.5, o));
  CHECK_THROWS(ema_series(x, 3, NAN, o));
  CHECK_THROWS(sma_series(x, 3, 0, o));
  CHECK_THROWS(rsi_series(x, 3, -1, o));
  CHECK_THROWS(bollinger_series(x, 3, 2, NAN, o, o2, o3));
  CHECK_THROWS(stochastic_series(x, x, x, 3, 2, 0, o, o2));
}

NTP_TEST_MAIN
