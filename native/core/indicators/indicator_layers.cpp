#include "indicator_layers.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "../thread_pool.h"

namespace ntp {
namespace {

constexpr const char* kNames[] = {"ma", "macd", "rsi", "bollinger", "momentum"};

std::string num(double v) { return std::to_string(v); }

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

void check_indicator_sizes(const IndicatorBatch& b) {
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
}

void check_indicator_batch(const IndicatorBatch& b) {
  check_indicator_sizes(b);
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

namespace {

// Rows per SIMD block: 4 doubles fill an AVX2 register (and half an AVX-512 one, whose wider
// blocks would leave more rows to the scalar tail at the default batch of 144).
constexpr int kLanes = 4;
using Block = Lanes<kLanes>;

// Rows [r, r + kLanes) of close, transposed into T lane vectors (float -> double once).
void load_block(const IndicatorBatch& b, std::size_t r, Block* dst) {
  const std::size_t T = static_cast<std::size_t>(b.time);
  for (std::size_t t = 0; t < T; ++t)
    for (int j = 0; j < kLanes; ++j) dst[t].v[j] = b.close[(r + j) * T + t];
}

}  // namespace

void indicator_forward(const IndicatorBatch& b, float* out) {
  check_indicator_batch(b);
  const int w = indicator_group_width(b.kind);
  const int groups = b.period_count / w;
  const std::size_t T = static_cast<std::size_t>(b.time), K = static_cast<std::size_t>(b.period_count);
  parallel_for(static_cast<std::size_t>(b.batch), kRowsPerChunk, [&](std::size_t lo, std::size_t hi) {
    std::vector<Block> block(T);
    std::size_t r = lo;
    for (; r + kLanes <= hi; r += kLanes) {
      load_block(b, r, block.data());
      for (int g = 0; g < groups; ++g) {
        Block o[3] = {Block(0.0), Block(0.0), Block(0.0)};
        indicator_group_forward<Block>(b.kind, block.data(), b.time, b.periods + g * w, o);
        for (int i = 0; i < w; ++i)
          for (int j = 0; j < kLanes; ++j) out[(r + j) * K + g * w + i] = static_cast<float>(o[i].v[j]);
      }
    }
    for (; r < hi; ++r) {  // rows left over from the blocks
      for (int g = 0; g < groups; ++g) {
        double o[3] = {0.0, 0.0, 0.0};
        indicator_group_forward<double>(b.kind, b.close + r * T, b.time, b.periods + g * w, o);
        for (int i = 0; i < w; ++i) out[r * K + g * w + i] = static_cast<float>(o[i]);
      }
    }
  });
}

void indicator_backward(const IndicatorBatch& b, const float* grad_out, float* grad_close,
                        float* grad_periods) {
  check_indicator_batch(b);
  const int w = indicator_group_width(b.kind);
  const int groups = b.period_count / w;
  const std::size_t T = static_cast<std::size_t>(b.time);
  const std::size_t K = static_cast<std::size_t>(b.period_count);
  // +1: momentum needs no scratch, and a zero-length vector's data() may be null.
  const std::size_t S = static_cast<std::size_t>(indicator_scratch(b.kind, b.time)) + 1;
  // Per-row period gradients, reduced serially below so the sum is deterministic.
  std::vector<double> gp_rows(static_cast<std::size_t>(b.batch) * K);
  parallel_for(static_cast<std::size_t>(b.batch), kRowsPerChunk, [&](std::size_t lo, std::size_t hi) {
    std::vector<Block> block(T), gc(T), scratch(S);
    std::size_t r = lo;
    for (; r + kLanes <= hi; r += kLanes) {
      load_block(b, r, block.data());
      std::fill(gc.begin(), gc.end(), Block(0.0));
      for (int g = 0; g < groups; ++g) {
        Block go[3], gp[3];
        for (int i = 0; i < w; ++i)
          for (int j = 0; j < kLanes; ++j) go[i].v[j] = grad_out[(r + j) * K + g * w + i];
        indicator_group_backward<Block>(b.kind, block.data(), b.time, b.periods + g * w, go, gc.data(), gp,
                                        scratch.data());
        for (int i = 0; i < w; ++i)
          for (int j = 0; j < kLanes; ++j) gp_rows[(r + j) * K + g * w + i] = gp[i].v[j];
      }
      for (std::size_t t = 0; t < T; ++t)
        for (int j = 0; j < kLanes; ++j) grad_close[(r + j) * T + t] = static_cast<float>(gc[t].v[j]);
    }
    std::vector<double> gc1(T), scratch1(S);
    for (; r < hi; ++r) {  // rows left over from the blocks
      std::fill(gc1.begin(), gc1.end(), 0.0);
      for (int g = 0; g < groups; ++g) {
        double go[3];
        for (int i = 0; i < w; ++i) go[i] = grad_out[r * K + g * w + i];
        indicator_group_backward<double>(b.kind, b.close + r * T, b.time, b.periods + g * w, go, gc1.data(),
                                         gp_rows.data() + r * K + g * w, scratch1.data());
      }
      for (std::size_t t = 0; t < T; ++t) grad_close[r * T + t] = static_cast<float>(gc1[t]);
    }
  });
  for (std::size_t k = 0; k < K; ++k) {
    double s = 0.0;
    for (std::size_t r = 0; r < static_cast<std::size_t>(b.batch); ++r) s += gp_rows[r * K + k];
    grad_periods[k] = static_cast<float>(s);
  }
}

}  // namespace ntp
