// The base per-bar features of SPEC §4, computed identically on CPU and CUDA.
// Feature ids are the order below; the TypeScript feature registry maps names to them.
#pragma once
#include <cmath>
#include <cstdint>

#include "../hd.h"

namespace ntp {

enum BarFeature : int32_t {
  kLogReturn = 0,    // ln(c_t / c_{t-1})
  kLogRange = 1,     // ln(h / l)
  kLogBody = 2,      // ln(c / o)
  kUpperWick = 3,    // ln(h / max(o, c))
  kLowerWick = 4,    // ln(min(o, c) / l)
  kLogVolumeDiff = 5,  // ln(1 + v_t) - ln(1 + v_{t-1})
  kHourSin = 6,      // sin(2 pi hour / 24), hour of day UTC with minutes as a fraction
  kHourCos = 7,
  kDowSin = 8,       // sin(2 pi dow / 7), 0 = Sunday
  kDowCos = 9,
  kBarFeatureCount = 10,
};

// Feature `id` of bar t; bar t-1 must exist (t >= 1) for the two differenced features.
NTP_HD double bar_feature(int32_t id, const double* ts, const double* o, const double* h,
                          const double* l, const double* c, const double* v, long t) {
  constexpr double kTwoPi = 6.283185307179586;
  constexpr double kDayMs = 86400000.0;
  switch (id) {
    case kLogReturn: return log(c[t] / c[t - 1]);
    case kLogRange: return log(h[t] / l[t]);
    case kLogBody: return log(c[t] / o[t]);
    case kUpperWick: return log(h[t] / fmax(o[t], c[t]));
    case kLowerWick: return log(fmin(o[t], c[t]) / l[t]);
    case kLogVolumeDiff: return log1p(v[t]) - log1p(v[t - 1]);
    case kHourSin:
    case kHourCos: {
      double ms = fmod(ts[t], kDayMs);
      if (ms < 0) ms += kDayMs;
      const double angle = kTwoPi * (ms / kDayMs);
      return id == kHourSin ? sin(angle) : cos(angle);
    }
    case kDowSin:
    case kDowCos: {
      // 1970-01-01 was a Thursday (dow 4).
      double dow = fmod(floor(ts[t] / kDayMs) + 4.0, 7.0);
      if (dow < 0) dow += 7.0;
      const double angle = kTwoPi * dow / 7.0;
      return id == kDowSin ? sin(angle) : cos(angle);
    }
    default: return NAN;
  }
}

}  // namespace ntp
