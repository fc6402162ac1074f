#include "windowing.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "bar_features.h"
#include "../thread_pool.h"

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

// Copies n floats; with `bypass_cache`, whole 64-byte lines of dst are written with
// non-temporal stores, which skip reading each line into the cache before overwriting it
// (half the memory traffic of ordinary stores for an output far larger than the caches).
void copy_window(float* dst, const float* src, std::size_t n, bool bypass_cache) {
#if defined(__AVX512F__)
  if (bypass_cache) {
    std::size_t i = 0;
    const std::size_t head = ((64 - (reinterpret_cast<std::uintptr_t>(dst) & 63)) & 63) / sizeof(float);
    for (; i < head && i < n; ++i) dst[i] = src[i];
    for (; i + 16 <= n; i += 16) _mm512_stream_ps(dst + i, _mm512_loadu_ps(src + i));
    for (; i < n; ++i) dst[i] = src[i];
    return;
  }
#endif
  (void)bypass_cache;
  std::memcpy(dst, src, n * sizeof(float));
}

// Outputs at least this large bypass the cache: nothing reads them before they would have been
// evicted anyway. Smaller ones (training batches, read right away) stay in cache.
constexpr std::size_t kBypassCacheBytes = std::size_t{64} << 20;

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

  const std::size_t window_floats = static_cast<std::size_t>(T) * F;
  const bool bypass_cache = count * window_floats * sizeof(float) >= kBypassCacheBytes;
  parallel_for(count, 64, [&](std::size_t begin, std::size_t end) {
    // The last T scaled rows, each stored twice (slots j and j + T, j = bar mod T), so that any
    // window is one contiguous run of the ring: consecutive windows add one row each.
    std::vector<float> ring(2 * window_floats);
    const auto add_row = [&](long t) {
      float* slot = ring.data() + static_cast<std::size_t>(t % T) * F;
      scaled_row(c, s, t, slot);
      std::memcpy(slot + window_floats, slot, F * sizeof(float));
    };
    for (std::size_t k = begin; k < end; ++k) {
      const long e = ends[k];
      if (k > begin && ends[k - 1] + 1 == e) add_row(e);
      else for (long t = e - T + 1; t <= e; ++t) add_row(t);
      copy_window(out.features + k * window_floats, ring.data() + static_cast<std::size_t>((e + 1) % T) * F,
                     window_floats, bypass_cache);
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
#if defined(__AVX512F__)
    if (bypass_cache) _mm_sfence();  // the streamed lines are visible before the chunk reports done
#endif
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
