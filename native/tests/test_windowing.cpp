// Fused windowing against a direct per-element reference, and (with a GPU) CUDA against CPU.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "../core/data/bar_features.h"
#include "../core/data/windowing.h"
#include "../cuda/cuda_api.h"
#include "check.h"
#include "cuda_guard.h"
#include "synthetic_candles.h"

using namespace ntp;

namespace {

struct Built { std::vector<float> feat, close, tgt; };

Built run(const Candles& c, const WindowSpec& s, const std::vector<int32_t>& ends, bool cuda) {
  Built b;
  b.feat.resize(ends.size() * s.lookback * s.feature_count);
  b.close.resize(ends.size() * s.lookback);
  b.tgt.resize(ends.size() * s.horizon_count);
  WindowOutputs o{b.feat.data(), b.close.data(), b.tgt.data()};
#ifdef NTP_HAVE_CUDA
  if (cuda) { cuda::build_windows(c, s, ends.data(), ends.size(), o); return b; }
#endif
  (void)cuda;
  build_windows(c, s, ends.data(), ends.size(), o);
  return b;
}

const int32_t kAll[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
const int32_t kHz[] = {1, 4, 12};

}  // namespace

TEST_CASE(windows_match_reference) {
  auto k = test::random_candles(500);
  const Candles c = k.view();
  const double center[10] = {0.001, 0.01, 0, 0, 0, 0, 0, 0, 0, 0};
  const double scale[10] = {0.01, 0.02, 1, 1, 1, 2, 1, 1, 1, 1};
  WindowSpec s{16, kAll, 10, center, scale, kHz, 3};
  std::vector<int32_t> ends;
  for (int32_t e = 16; e < 500; ++e) ends.push_back(e);
  ends.push_back(20);  // a non-consecutive end exercises the full-recompute path
  Built b = run(c, s, ends, false);
  for (std::size_t w = 0; w < ends.size(); ++w) {
    const long e = ends[w];
    for (long r = 0; r < 16; ++r) {
      const long t = e - 15 + r;
      for (int f = 0; f < 10; ++f) {
        const double ref = (bar_feature(f, c.timestamp, c.open, c.high, c.low, c.close, c.volume, t) - center[f]) / scale[f];
        CHECK_CLOSE(b.feat[(w * 16 + r) * 10 + f], static_cast<float>(ref), 1e-6);
      }
      CHECK_CLOSE(b.close[w * 16 + r], static_cast<float>(c.close[t] / c.close[e]), 1e-7);
    }
    for (int h = 0; h < 3; ++h) {
      const long t = e + kHz[h];
      if (t < 500) CHECK_CLOSE(b.tgt[w * 3 + h], static_cast<float>(std::log(c.close[t] / c.close[e])), 1e-6);
      else CHECK(std::isnan(b.tgt[w * 3 + h]));
    }
  }
}

TEST_CASE(large_outputs_bypassing_the_cache_are_identical) {
  // Outputs of 64 MiB and more are written with non-temporal stores: the values must be the
  // ones the cached path writes (checked window by window against small calls).
  auto k = test::random_candles(27000, 9);
  const Candles c = k.view();
  WindowSpec s{64, kAll, 10, nullptr, nullptr, kHz, 3};
  std::vector<int32_t> ends;
  for (int32_t e = 64; e < 27000; ++e) ends.push_back(e);
  for (int32_t e = 26000; e > 25000; e -= 7) ends.push_back(e);  // non-consecutive ends too
  CHECK(ends.size() * 64 * 10 * sizeof(float) >= (std::size_t{64} << 20));
  const Built big = run(c, s, ends, false);
  for (std::size_t w0 = 0; w0 < ends.size(); w0 += 997) {
    const std::vector<int32_t> some(ends.begin() + static_cast<long>(w0), ends.begin() + static_cast<long>(std::min(ends.size(), w0 + 50)));
    const Built small = run(c, s, some, false);
    for (std::size_t i = 0; i < small.feat.size(); ++i) CHECK(small.feat[i] == big.feat[w0 * 640 + i]);
    for (std::size_t i = 0; i < small.close.size(); ++i) CHECK(small.close[i] == big.close[w0 * 64 + i]);
  }
}

TEST_CASE(calendar_features) {
  // 2021-01-04 (a Monday) 06:00 UTC: hour angle = pi/2, dow = 1.
  const double ts[2] = {1609740000000.0 - 3600000.0, 1609740000000.0};
  const double p[2] = {1, 1}, v[2] = {1, 1};
  CHECK_CLOSE(bar_feature(kHourSin, ts, p, p, p, p, v, 1), 1.0, 1e-12);
  CHECK_CLOSE(bar_feature(kDowSin, ts, p, p, p, p, v, 1), std::sin(2 * M_PI / 7), 1e-12);
}

TEST_CASE(bad_arguments_throw) {
  auto k = test::random_candles(50);
  const Candles c = k.view();
  std::vector<float> out(64 * 10);
  WindowSpec s{16, kAll, 10, nullptr, nullptr, kHz, 3};
  const int32_t too_early[1] = {15};
  CHECK_THROWS(build_windows(c, s, too_early, 1, WindowOutputs{out.data(), nullptr, nullptr}));
  const int32_t too_late[1] = {50};
  CHECK_THROWS(build_windows(c, s, too_late, 1, WindowOutputs{out.data(), nullptr, nullptr}));
  const int32_t bad_feature[1] = {10};
  WindowSpec s2{16, bad_feature, 1, nullptr, nullptr, kHz, 3};
  const int32_t ok_end[1] = {20};
  CHECK_THROWS(build_windows(c, s2, ok_end, 1, WindowOutputs{out.data(), nullptr, nullptr}));
}

TEST_CASE(non_finite_rows_are_reported) {
  auto k = test::random_candles(50);
  k.c[30] = NAN;
  const Candles c = k.view();
  std::vector<float> out(16 * 10);
  WindowSpec s{16, kAll, 10, nullptr, nullptr, kHz, 3};
  const int32_t end[1] = {35};
  bool caught = false;
  try {
    build_windows(c, s, end, 1, WindowOutputs{out.data(), nullptr, nullptr});
  } catch (const DataError& e) {
    caught = e.row() == 30 && e.column() == "close";
  }
  CHECK(caught);
}

TEST_CASE(cuda_matches_cpu) {
  NTP_CUDA_OR_SKIP();
  auto k = test::random_candles(5000, 11);
  const Candles c = k.view();
  WindowSpec s{64, kAll, 10, nullptr, nullptr, kHz, 3};
  std::vector<int32_t> ends;
  for (int32_t e = 64; e < 5000; ++e) ends.push_back(e);
  Built a = run(c, s, ends, false), b = run(c, s, ends, true);
  for (std::size_t i = 0; i < a.feat.size(); ++i) CHECK_CLOSE(a.feat[i], b.feat[i], 1e-6);
  for (std::size_t i = 0; i < a.close.size(); ++i) CHECK_CLOSE(a.close[i], b.close[i], 1e-6);
  for (std::size_t i = 0; i < a.tgt.size(); ++i) CHECK_CLOSE(a.tgt[i], b.tgt[i], 1e-6);
}

NTP_TEST_MAIN
