#include "windowing.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "bar_features.h"
#include "thread_pool.h"

namespace ntp {
namespace {

void scaled_row(const Candles& c, const WindowSpec& s, long t, float* dst) {
  for (int32_t f = 0; f < s.feature_count; ++f) {
    double x = bar_feature(s.features[f], c.timestamp, c.open, c.high, c.low, c.close, c.volume, t);
    if (s.center) x -= s.center[f];
    if (s.scale) x /= s.scale[f];
    dst[f] = static_cast<float>(x);
  }
}

}  // namespace

void check_window_args(const Candles& c, const WindowSpec& s, const int32_t* ends,
                       std::size_t count) {
  if (s.lookback < 1) throw std::invalid_argument("lookback must be >= 1");
  if (s.feature_count < 1) throw std::invalid_argument("at least one feature is required");
  for (int32_t f = 0; f < s.feature_count; ++f) {
    if (s.features[f] < 0 || s.features[f] >= kBarFeatureCount)
      throw std::invalid_argument("features[" + std::to_string(f) + "] = " +
                                  std::to_string(s.features[f]) + " is not a base feature id");
    if (s.scale && !(std::isfinite(s.scale[f]) && s.scale[f] != 0))
      throw std::invalid_argument("scale[" + std::to_string(f) + "] must be finite and non-zero");
    if (s.center && !std::isfinite(s.center[f]))
      throw std::invalid_argument("center[" + std::to_string(f) + "] must be finite");
  }
  for (int32_t h = 0; h < s.horizon_count; ++h)
    if (s.horizons[h] < 1)
      throw std::invalid_argument("horizons[" + std::to_string(h) + "] must be >= 1");
  for (std::size_t k = 0; k < count; ++k) {
    const long e = ends[k];
    if (e < s.lookback || e >= static_cast<long>(c.length))
      throw std::invalid_argument("ends[" + std::to_string(k) + "] = " + std::to_string(e) +
                                  " is outside [lookback, length) = [" +
                                  std::to_string(s.lookback) + ", " + std::to_string(c.length) + ")");
  }
}

void build_windows(const Candles& c, const WindowSpec& s, const int32_t* ends, std::size_t count,
                   const WindowOutputs& out) {
  check_window_args(c, s, ends, count);
  if (count == 0) return;
  const long T = s.lookback;
  const std::size_t F = static_cast<std::size_t>(s.feature_count);
  const std::size_t H = static_cast<std::size_t>(s.horizon_count);
  int32_t max_h = 0;
  for (std::size_t h = 0; h < H; ++h) max_h = std::max(max_h, s.horizons[h]);
  const auto [lo, hi] = std::minmax_element(ends, ends + count);
  // Validate every row any window or target reads, once, before writing anything.
  require_valid_rows(c, static_cast<std::size_t>(*lo - T),
                     std::min<std::size_t>(c.length - 1, static_cast<std::size_t>(*hi) + max_h));

  const std::size_t row_floats = F;
  const std::size_t window_floats = static_cast<std::size_t>(T) * F;
  parallel_for(count, 64, [&](std::size_t begin, std::size_t end) {
    for (std::size_t k = begin; k < end; ++k) {
      const long e = ends[k];
      float* dst = out.features + k * window_floats;
      if (k > begin && ends[k - 1] + 1 == e) {
        // Consecutive windows overlap in T-1 rows: shift the previous window, add one row.
        std::memcpy(dst, dst - window_floats + row_floats, (window_floats - row_floats) * sizeof(float));
        scaled_row(c, s, e, dst + window_floats - row_floats);
      } else {
        for (long r = 0; r < T; ++r) scaled_row(c, s, e - T + 1 + r, dst + r * row_floats);
      }
      if (out.close) {
        const double last = c.close[e];
        float* cd = out.close + k * static_cast<std::size_t>(T);
        for (long r = 0; r < T; ++r) cd[r] = static_cast<float>(c.close[e - T + 1 + r] / last);
      }
      if (out.targets) {
        for (std::size_t h = 0; h < H; ++h) {
          const long t = e + s.horizons[h];
          out.targets[k * H + h] = t < static_cast<long>(c.length)
                                       ? static_cast<float>(std::log(c.close[t] / c.close[e]))
                                       : std::numeric_limits<float>::quiet_NaN();
        }
      }
    }
  });
}

void compute_bar_features(const Candles& c, const int32_t* features, int32_t feature_count,
                          double* out) {
  for (int32_t f = 0; f < feature_count; ++f)
    if (features[f] < 0 || features[f] >= kBarFeatureCount)
      throw std::invalid_argument("features[" + std::to_string(f) + "] = " +
                                  std::to_string(features[f]) + " is not a base feature id");
  if (c.length == 0) return;
  require_valid_rows(c, 0, c.length - 1);
  const std::size_t F = static_cast<std::size_t>(feature_count);
  parallel_for(c.length, 4096, [&](std::size_t begin, std::size_t end) {
    for (std::size_t t = begin; t < end; ++t) {
      for (std::size_t f = 0; f < F; ++f) {
        const int32_t id = features[f];
        const bool needs_prev = id == kLogReturn || id == kLogVolumeDiff;
        out[t * F + f] = (t == 0 && needs_prev)
                             ? std::numeric_limits<double>::quiet_NaN()
                             : bar_feature(id, c.timestamp, c.open, c.high, c.low, c.close,
                                           c.volume, static_cast<long>(t));
      }
    }
  });
}

}  // namespace ntp
