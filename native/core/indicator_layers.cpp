#include "indicator_layers.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "thread_pool.h"

namespace ntp {
namespace {

constexpr const char* kNames[] = {"ma", "macd", "rsi", "bollinger", "momentum"};

std::string num(double v) {
  std::string s = std::to_string(v);
  return s;
}

// Rows per parallel chunk: each row is ~T x period_count recurrence steps (~2k flops for the
// default layers), so small chunks would cost more in dispatch than they save.
constexpr std::size_t kRowsPerChunk = 16;

}  // namespace

IndicatorKind parse_indicator_kind(const std::string& name) {
  for (int k = 0; k < 5; ++k)
    if (name == kNames[k]) return static_cast<IndicatorKind>(k);
  throw std::invalid_argument("kind must be one of ma, macd, rsi, bollinger, momentum (got \"" +
                              name + "\")");
}

const char* indicator_kind_name(IndicatorKind kind) { return kNames[static_cast<int>(kind)]; }

void check_indicator_batch(const IndicatorBatch& b) {
  const int w = indicator_group_width(b.kind);
  if (b.batch < 0) throw std::invalid_argument("batch must be >= 0 (got " + std::to_string(b.batch) + ")");
  const int32_t min_time = b.kind == IndicatorKind::kMomentum ? 3 : 2;
  if (b.time < min_time)
    throw std::invalid_argument(std::string("time must be >= ") + std::to_string(min_time) + " for " +
                                indicator_kind_name(b.kind) + " (got " + std::to_string(b.time) + ")");
  if (b.period_count < 1 || b.period_count % w != 0)
    throw std::invalid_argument(std::string("periods must hold a positive multiple of ") +
                                std::to_string(w) + " values for " + indicator_kind_name(b.kind) +
                                " (got " + std::to_string(b.period_count) + ")");
  for (int32_t k = 0; k < b.period_count; ++k) {
    const double p = b.periods[k];
    const bool ok = b.kind == IndicatorKind::kMomentum ? (p >= 1.0 && p <= b.time - 2.0)
                                                       : (std::isfinite(p) && p >= 1.0);
    if (!ok)
      throw std::invalid_argument(
          "periods[" + std::to_string(k) + "] = " + num(p) + " is outside " +
          (b.kind == IndicatorKind::kMomentum ? "[1, time-2] = [1, " + std::to_string(b.time - 2) + "]"
                                              : std::string("[1, inf)")));
  }
  const bool divides = b.kind == IndicatorKind::kMa || b.kind == IndicatorKind::kMomentum;
  const std::size_t n = static_cast<std::size_t>(b.batch) * static_cast<std::size_t>(b.time);
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(b.close[i]) || (divides && b.close[i] == 0.0f))
      throw std::invalid_argument("close[" + std::to_string(i) + "] = " + num(b.close[i]) +
                                  (divides ? " must be finite and non-zero" : " must be finite"));
  }
}

void indicator_forward(const IndicatorBatch& b, float* out) {
  check_indicator_batch(b);
  const int w = indicator_group_width(b.kind);
  const int groups = b.period_count / w;
  const std::size_t T = static_cast<std::size_t>(b.time);
  parallel_for(static_cast<std::size_t>(b.batch), kRowsPerChunk, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t r = lo; r < hi; ++r)
      for (int g = 0; g < groups; ++g)
        indicator_group_forward(b.kind, b.close + r * T, b.time, b.periods + g * w,
                                out + r * b.period_count + g * w);
  });
}

void indicator_backward(const IndicatorBatch& b, const float* grad_out, float* grad_close,
                        float* grad_periods) {
  check_indicator_batch(b);
  const int w = indicator_group_width(b.kind);
  const int groups = b.period_count / w;
  const std::size_t T = static_cast<std::size_t>(b.time);
  const std::size_t K = static_cast<std::size_t>(b.period_count);
  // Per-row period gradients, reduced serially below so the sum is deterministic.
  std::vector<double> gp_rows(static_cast<std::size_t>(b.batch) * K);
  parallel_for(static_cast<std::size_t>(b.batch), kRowsPerChunk, [&](std::size_t lo, std::size_t hi) {
    std::vector<double> gc(T), scratch(static_cast<std::size_t>(indicator_scratch(b.kind, b.time)) + 1);
    for (std::size_t r = lo; r < hi; ++r) {
      std::fill(gc.begin(), gc.end(), 0.0);
      for (int g = 0; g < groups; ++g)
        indicator_group_backward(b.kind, b.close + r * T, b.time, b.periods + g * w,
                                 grad_out + r * K + g * w, gc.data(), gp_rows.data() + r * K + g * w,
                                 scratch.data());
      for (std::size_t t = 0; t < T; ++t) grad_close[r * T + t] = static_cast<float>(gc[t]);
    }
  });
  for (std::size_t k = 0; k < K; ++k) {
    double s = 0.0;
    for (std::size_t r = 0; r < static_cast<std::size_t>(b.batch); ++r) s += gp_rows[r * K + k];
    grad_periods[k] = static_cast<float>(s);
  }
}

}  // namespace ntp
