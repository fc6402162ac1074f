// Fused windowing (SPEC §4): columnar candles -> scaled [N, T, F] feature windows, the close
// channel normalised by each window's last close [N, T], and log-return targets [N, H].
#pragma once
#include <cstddef>
#include <cstdint>

#include "candles.h"

namespace ntp {

struct WindowSpec {
  int32_t lookback = 64;            // T
  const int32_t* features = nullptr;  // F base-feature ids (bar_features.h)
  int32_t feature_count = 0;
  const double* center = nullptr;   // per feature, subtracted (nullptr: 0)
  const double* scale = nullptr;    // per feature, divided by (nullptr: 1)
  const int32_t* horizons = nullptr;  // H horizons in bars, each >= 1
  int32_t horizon_count = 0;
};

struct WindowOutputs {
  float* features = nullptr;  // [N, T, F]
  float* close = nullptr;     // [N, T]; may be nullptr
  float* targets = nullptr;   // [N, H] ln(c_{t+k}/c_t), NaN where t+k is past the data; may be nullptr
};

// Window k ends at bar ends[k] and covers bars [ends[k]-T+1, ends[k]]. Each end must satisfy
// T <= end < length (the first row needs its previous bar). Throws std::invalid_argument for
// bad spec/ends and DataError for non-finite or non-positive candles in the rows it reads.
void build_windows(const Candles& candles, const WindowSpec& spec, const int32_t* ends,
                   std::size_t count, const WindowOutputs& out);

// Unscaled base features per bar into out[length, F] (float64, for fitting scalers).
// Row 0 has no previous bar: its differenced features are NaN.
void compute_bar_features(const Candles& candles, const int32_t* features, int32_t feature_count,
                          double* out);

// Shared argument checks (also used by the CUDA twin before it launches).
void check_window_args(const Candles& candles, const WindowSpec& spec, const int32_t* ends,
                       std::size_t count);

}  // namespace ntp
