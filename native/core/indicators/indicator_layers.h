// Batched learnable-indicator kernels (SPEC §5): close channel [B, T] (float32, normalised by
// the last close) and a layer's periods -> features at the last step [B, outputs], and the
// analytic backward pass from dL/d(features) to dL/dclose [B, T] and dL/dperiods [K].
// Row math lives in indicator_rows.h (shared with the CUDA twin); numerics in recurrence.h.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "indicator_rows.h"

namespace ntp {

struct IndicatorBatch {
  IndicatorKind kind = IndicatorKind::kMa;
  const float* close = nullptr;  // [batch, time], row-major
  int32_t batch = 0;
  int32_t time = 0;
  const float* periods = nullptr;  // [period_count]; MACD: (fast, slow, signal) triples
  int32_t period_count = 0;
};

// "ma" | "macd" | "rsi" | "bollinger" | "momentum"; throws std::invalid_argument otherwise.
IndicatorKind parse_indicator_kind(const std::string& name);
const char* indicator_kind_name(IndicatorKind kind);

// Features per row: one per period (MACD: one per period too, macd/signal/hist per triple).
inline int32_t indicator_output_count(const IndicatorBatch& b) { return b.period_count; }

// Throws std::invalid_argument naming the bad argument: sizes, periods outside their domain
// (>= 1 for the recurrences; [1, time-2] for momentum lags), non-finite or (MA, momentum)
// zero closes. Shared with the CUDA twin, which checks before it launches.
void check_indicator_batch(const IndicatorBatch& b);
// Its checks of the sizes alone, which read no memory (`close` and `periods` may be device pointers).
void check_indicator_sizes(const IndicatorBatch& b);

// Doubles of device working memory the CUDA backward pass over device pointers takes from its
// caller (tensor::cuda::indicator_backward): per-(row, group) dL/dclose partials [rows*groups, T],
// per-row dL/dperiods [rows, K], and each thread's recurrence scratch.
inline int64_t indicator_device_backward_scratch(const IndicatorBatch& b) {
  const int64_t rows = b.batch, threads = rows * (b.period_count / indicator_group_width(b.kind));
  return threads * b.time + rows * b.period_count + threads * (indicator_scratch(b.kind, b.time) + 1);
}

// out: [batch, period_count] features.
void indicator_forward(const IndicatorBatch& b, float* out);

// grad_out: [batch, period_count]; writes (overwrites) grad_close [batch, time] and
// grad_periods [period_count] (summed over the batch in double, in row order).
void indicator_backward(const IndicatorBatch& b, const float* grad_out, float* grad_close,
                        float* grad_periods);

}  // namespace ntp
