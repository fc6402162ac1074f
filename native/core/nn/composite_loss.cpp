#include "composite_loss.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace ntp {

namespace {

struct Span {
  const float* p;
  std::size_t n;
};

bool overlap(const Span& a, const Span& b) {
  const auto lo = [](const Span& x) { return reinterpret_cast<std::uintptr_t>(x.p); };
  const auto hi = [](const Span& x) { return reinterpret_cast<std::uintptr_t>(x.p + x.n); };
  return lo(a) < hi(b) && lo(b) < hi(a);
}

// The message is built only on failure: the check runs on every call.
void require(bool ok, const char* name, int32_t index, const char* rule, double got) {
  if (ok) return;
  throw std::invalid_argument(std::string("composite_loss: ") + name + (index >= 0 ? " " + std::to_string(index) : "") + " " + rule +
                              " (got " + std::to_string(got) + ")");
}

}  // namespace

void check_composite_loss(const CompositeLoss& s) {
  require(s.batch >= 1, "batch", -1, "must be >= 1", static_cast<double>(s.batch));
  if (s.horizons < 1 || s.horizons > kMaxLossHorizons)
    require(false, "horizons", -1, ("must be in [1, " + std::to_string(kMaxLossHorizons) + "]").c_str(), s.horizons);
  for (int32_t k = 0; k < kLossTerms; ++k)
    require(std::isfinite(s.weight[k]) && s.weight[k] >= 0.0f, "term weight", k, "must be finite and >= 0", s.weight[k]);
  for (int32_t h = 0; h < s.horizons; ++h) {
    require(std::isfinite(s.horizon_weight[h]) && s.horizon_weight[h] >= 0.0f, "horizon weight", h, "must be finite and >= 0",
            s.horizon_weight[h]);
    require(s.alpha[h] >= 0.0f && s.alpha[h] <= 1.0f, "alpha", h, "must be in [0, 1]", s.alpha[h]);
  }
  require(std::isfinite(s.price_delta) && s.price_delta > 0.0f, "the price delta", -1, "must be finite and > 0", s.price_delta);
  require(std::isfinite(s.trend_delta) && s.trend_delta > 0.0f, "the trend delta", -1, "must be finite and > 0", s.trend_delta);
  require(std::isfinite(s.gamma) && s.gamma >= 0.0f, "gamma", -1, "must be finite and >= 0", s.gamma);
  if (s.trend_agreement) require(std::isfinite(s.tau) && s.tau > 0.0f, "tau", -1, "must be finite and > 0", s.tau);
}

void check_composite_loss_buffers(const CompositeLoss& s, const float* heads, const float* y, const float* d, const float* total,
                                  const float* terms, const float* grad) {
  const std::size_t nh = static_cast<std::size_t>(s.batch) * 3 * static_cast<std::size_t>(s.horizons);
  const std::size_t nt = static_cast<std::size_t>(s.batch) * static_cast<std::size_t>(s.horizons);
  const Span all[] = {{heads, nh}, {y, nt}, {d, nt}, {total, 1}, {terms, kLossTerms}, {grad, nh}};
  for (const Span& a : all)
    if (!a.p) throw std::invalid_argument("composite_loss: null buffer");
  for (std::size_t out = 3; out < 6; ++out)
    for (std::size_t other = 0; other < 6; ++other)
      if (other != out && overlap(all[out], all[other]))
        throw std::invalid_argument("composite_loss: an output overlaps another buffer of the call");
}

void composite_loss(const CompositeLoss& s, const float* heads, const float* y, const float* d, float* total,
                    float* terms, float* grad) {
  check_composite_loss(s);
  check_composite_loss_buffers(s, heads, y, d, total, terms, grad);
  double sums[kLossTerms] = {};
  for (int64_t b = 0; b < s.batch; ++b) composite_loss_row(s, b, heads, y, d, grad, sums);
  composite_loss_finish(s, sums, total, terms);
}

}  // namespace ntp
