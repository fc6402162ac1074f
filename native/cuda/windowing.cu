// CUDA twin of core/windowing.cpp: one thread per (window, row), same bar_feature math.
#include <algorithm>
#include <cmath>

#include "../core/data/bar_features.h"
#include "cuda_api.h"
#include "device_buffer.cuh"

namespace ntp::cuda {
namespace {

struct Columns { const double *ts, *o, *h, *l, *c, *v; };

__global__ void windows_kernel(Columns col, long base, const int32_t* ends, std::size_t count,
                               int32_t T, const int32_t* feats, int32_t F, const double* center,
                               const double* scale, const int32_t* horizons, int32_t H,
                               long length, float* out_feat, float* out_close, float* out_tgt) {
  const std::size_t idx = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (idx >= count * static_cast<std::size_t>(T)) return;
  const std::size_t k = idx / T;
  const long r = static_cast<long>(idx % T);
  const long e = ends[k];
  const long t = e - T + 1 + r;
  // Columns hold rows [base, ...]; shift pointers so bar_feature indexes absolute rows.
  const double *ts = col.ts - base, *o = col.o - base, *h = col.h - base, *l = col.l - base,
               *c = col.c - base, *v = col.v - base;
  float* dst = out_feat + idx * F;
  for (int32_t f = 0; f < F; ++f) {
    double x = bar_feature(feats[f], ts, o, h, l, c, v, t);
    if (center) x -= center[f];
    if (scale) x /= scale[f];
    dst[f] = static_cast<float>(x);
  }
  if (out_close) out_close[idx] = static_cast<float>(c[t] / c[e]);
  if (out_tgt && r == 0) {
    for (int32_t hh = 0; hh < H; ++hh) {
      const long tt = e + horizons[hh];
      out_tgt[k * H + hh] = tt < length ? static_cast<float>(log(c[tt] / c[e])) : nanf("");
    }
  }
}

}  // namespace

void build_windows(const Candles& c, const WindowSpec& s, const int32_t* ends, std::size_t count,
                   const WindowOutputs& out) {
  check_window_args(c, s, ends, count);
  if (count == 0) return;
  int32_t max_h = 0;
  for (int32_t h = 0; h < s.horizon_count; ++h) max_h = std::max(max_h, s.horizons[h]);
  const auto [lo, hi] = std::minmax_element(ends, ends + count);
  const std::size_t first = static_cast<std::size_t>(*lo - s.lookback);
  const std::size_t last = std::min<std::size_t>(c.length - 1, static_cast<std::size_t>(*hi) + max_h);
  require_valid_rows(c, first, last);
  const std::size_t rows = last - first + 1;

  DeviceBuffer<double> ts(c.timestamp + first, rows), o(c.open + first, rows),
      h(c.high + first, rows), l(c.low + first, rows), cl(c.close + first, rows),
      v(c.volume + first, rows);
  DeviceBuffer<int32_t> d_ends(ends, count), d_feats(s.features, s.feature_count),
      d_hz(s.horizons, s.horizon_count);
  DeviceBuffer<double> d_center(s.center ? static_cast<std::size_t>(s.feature_count) : 0),
      d_scale(s.scale ? static_cast<std::size_t>(s.feature_count) : 0);
  if (s.center) d_center.upload(s.center);
  if (s.scale) d_scale.upload(s.scale);
  const std::size_t T = static_cast<std::size_t>(s.lookback);
  DeviceBuffer<float> d_feat(count * T * s.feature_count);
  DeviceBuffer<float> d_close(out.close ? count * T : 0);
  DeviceBuffer<float> d_tgt(out.targets ? count * s.horizon_count : 0);

  const unsigned threads = 256;
  windows_kernel<<<blocks_for(count * T, threads), threads>>>(
      Columns{ts.get(), o.get(), h.get(), l.get(), cl.get(), v.get()}, static_cast<long>(first),
      d_ends.get(), count, s.lookback, d_feats.get(), s.feature_count,
      s.center ? d_center.get() : nullptr, s.scale ? d_scale.get() : nullptr, d_hz.get(),
      s.horizon_count, static_cast<long>(c.length), d_feat.get(),
      out.close ? d_close.get() : nullptr, out.targets ? d_tgt.get() : nullptr);
  check(cudaGetLastError(), "windows_kernel launch");
  check(cudaDeviceSynchronize(), "windows_kernel");
  d_feat.download(out.features);
  if (out.close) d_close.download(out.close);
  if (out.targets) d_tgt.download(out.targets);
}

}  // namespace ntp::cuda
