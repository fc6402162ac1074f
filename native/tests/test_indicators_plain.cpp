// Plain indicators (core/plain_indicators) against direct float64 definitions written here,
// on synthetic random-walk candles, plus argument checks.
#include "../core/no_fp_contract.h"  // as in every file that compiles indicator_streams.h

#include <algorithm>
#include <cmath>
#include <vector>

#include "../core/indicators/indicator_streams.h"
#include "../core/indicators/plain_indicators.h"
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

TEST_CASE(streams_in_chunks_equal_the_whole_series_exactly) {
  // The sweep engine computes its series a chunk at a time, EMAs four in lanes; the values must
  // be those of ema_series / sma_series / rsi_series bit for bit (rule decisions must not
  // depend on how the bars are split or the periods grouped).
  auto k = test::random_candles(kN + 3, 5);
  const std::size_t n = k.c.size();
  const double* x = k.c.data();
  const std::vector<double> periods = {5, 8, 70.5, 3000};
  std::vector<double> whole(n);
  const auto chunked = [&](auto stream, std::size_t chunk) {
    std::vector<double> out(n);
    for (std::size_t t0 = 0; t0 < n; t0 += chunk)
      stream.run(x, t0, std::min(n, t0 + chunk), [&](std::size_t t, double y) { out[t] = y; });
    return out;
  };
  for (std::size_t chunk : {std::size_t{4}, std::size_t{64}, std::size_t{1024}}) {
    F64x4 a;
    for (int l = 0; l < 4; ++l) a[l] = recurrence_coefficient(RecurrenceKind::kEma, periods[l]);
    std::vector<std::vector<double>> lanes(4, std::vector<double>(n));
    EmaStream<F64x4> quad(a);
    for (std::size_t t0 = 0; t0 < n; t0 += chunk)
      quad.run(x, t0, std::min(n, t0 + chunk), [&](std::size_t t, const F64x4& y) {
        for (int l = 0; l < 4; ++l) lanes[l][t] = y[l];
      });
    for (int l = 0; l < 4; ++l) {
      ema_series(x, n, periods[l], whole.data());
      const std::vector<double> one = chunked(EmaStream<double>(a[l]), chunk);
      for (std::size_t t = 0; t < n; ++t) CHECK(lanes[l][t] == whole[t] && one[t] == whole[t]);
    }
    sma_series(x, n, 20, whole.data());
    const std::vector<double> sma = chunked(SmaStream(20), chunk);
    for (std::size_t t = 19; t < n; ++t) CHECK(sma[t] == whole[t]);
    rsi_series(x, n, 14, whole.data());
    const std::vector<double> rsi = chunked(RsiStream(14), chunk);
    for (std::size_t t = 1; t < n; ++t) CHECK(rsi[t] == whole[t]);
  }
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
