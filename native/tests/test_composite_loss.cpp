// The fused composite loss (core/nn/composite_loss): a case computed by hand from SPEC §7.1's
// formulas, its gradient against central differences of its own total, and its refusals. The
// TypeScript tests (tests/losses/fused.test.ts) hold it to the tfjs definition as well.
#include <cmath>
#include <vector>

#include "../core/nn/composite_loss.h"
#include "check.h"

using namespace ntp;

namespace {

CompositeLoss spec(int64_t batch, int32_t horizons) {
  CompositeLoss s;
  s.batch = batch;
  s.horizons = horizons;
  const float w[kLossTerms] = {1.0f, 1.0f, 0.5f, 0.2f};
  for (int32_t k = 0; k < kLossTerms; ++k) s.weight[k] = w[k];
  for (int32_t h = 0; h < horizons; ++h) {
    s.horizon_weight[h] = 1.0f + 0.25f * static_cast<float>(h);
    s.alpha[h] = 0.7f - 0.1f * static_cast<float>(h);
  }
  s.trend_local = s.trend_global = s.trend_agreement = true;
  return s;
}

struct Batch {
  std::vector<float> heads, y, d;
};

// Values away from every kink (Huber's delta, the clips, the variance floor) so differences are smooth.
Batch batch(int64_t B, int32_t H) {
  Batch x{std::vector<float>(B * 3 * H), std::vector<float>(B * H), std::vector<float>(B * H)};
  for (int64_t b = 0; b < B; ++b)
    for (int32_t h = 0; h < H; ++h) {
      const float u = static_cast<float>(b * H + h);
      x.heads[b * 3 * H + h] = 0.6f * std::sin(1.3f * u);
      x.heads[b * 3 * H + H + h] = 0.5f + 0.4f * std::sin(0.7f * u + 1.0f);
      x.heads[b * 3 * H + 2 * H + h] = 0.3f + 0.2f * std::cos(0.9f * u);
      x.y[b * H + h] = 0.5f * std::cos(1.1f * u);
      x.d[b * H + h] = x.y[b * H + h] > 0.0f ? 1.0f : 0.0f;
    }
  return x;
}

}  // namespace

// One row, one horizon: each term from the formulas written out in double.
TEST_CASE(one_row_matches_the_formulas) {
  CompositeLoss s = spec(1, 1);
  s.alpha[0] = 0.7f;
  s.horizon_weight[0] = 1.0f;
  const std::vector<float> heads{0.5f, 0.8f, 0.5f}, y{0.2f}, d{1.0f};
  float total = 0, terms[kLossTerms], grad[3];
  composite_loss(s, heads.data(), y.data(), d.data(), &total, terms, grad);
  const double huber = 0.5 * 0.3 * 0.3;
  const double focal = -0.7 * 0.2 * std::log(0.8);
  const double nll = 0.5 * (std::log(0.5) + 0.09 / 0.5);
  const double sg = 1.0 / (1.0 + std::exp(-5.0));
  const double agreement = -(sg * std::log(0.8) + (1 - sg) * std::log(0.2));  // one horizon: no local pairs, global 0
  CHECK_CLOSE(terms[kPriceTerm], huber, 1e-5);
  CHECK_CLOSE(terms[kDirectionTerm], focal, 1e-5);
  CHECK_CLOSE(terms[kVarianceTerm], nll, 1e-5);
  CHECK_CLOSE(terms[kTrendTerm], agreement, 1e-5);
  CHECK_CLOSE(total, huber + focal + 0.5 * nll + 0.2 * agreement, 1e-5);
  // d/d price: Huber's e, the NLL's -(y - mu)/s2, the agreement's -(ln p - ln(1-p)) sg (1 - sg) / tau.
  CHECK_CLOSE(grad[0], 0.3 + 0.5 * (0.3 / 0.5) + 0.2 * -(std::log(0.8) - std::log(0.2)) * sg * (1 - sg) / 0.1, 1e-5);
  // d/d p: focal's -alpha (1 - p) / p + alpha ln p, the agreement's -(sg / p - (1 - sg) / (1 - p)).
  CHECK_CLOSE(grad[1], -0.7 * (0.2 / 0.8 - std::log(0.8)) + 0.2 * -(sg / 0.8 - (1 - sg) / 0.2), 1e-5);
  CHECK_CLOSE(grad[2], 0.5 * 0.5 * (1 / 0.5 - 0.09 / 0.25), 1e-5);
}

// The gradient is the derivative of the total: central differences in double over every head.
TEST_CASE(gradient_matches_central_differences) {
  for (const int32_t H : {1, 2, 3, 5}) {
    CompositeLoss s = spec(6, H);
    s.gamma = 1.5f;
    Batch x = batch(6, H);
    std::vector<float> grad(x.heads.size()), scratch(x.heads.size());
    float total = 0, terms[kLossTerms];
    composite_loss(s, x.heads.data(), x.y.data(), x.d.data(), &total, terms, grad.data());
    const auto at = [&](std::size_t i, float v) {
      std::vector<float> h = x.heads;
      h[i] = v;
      float t = 0, tt[kLossTerms];
      composite_loss(s, h.data(), x.y.data(), x.d.data(), &t, tt, scratch.data());
      return static_cast<double>(t);
    };
    for (std::size_t i = 0; i < x.heads.size(); ++i) {
      const float e = 1e-3f;
      const double fd = (at(i, x.heads[i] + e) - at(i, x.heads[i] - e)) / (2.0 * e);
      if (!test::close_rel(grad[i], fd, 2e-2, 2e-4)) {
        std::fprintf(stderr, "  H %d, head %zu: analytic %.7g, central difference %.7g\n", H, i, static_cast<double>(grad[i]), fd);
        CHECK(false);
      }
    }
  }
}

// Where a clip or the variance floor binds, the gradient is 0 (tfjs's ClipByValue and Maximum).
TEST_CASE(clipped_probability_and_floored_variance_pass_no_gradient) {
  CompositeLoss s = spec(1, 1);
  s.trend_agreement = false;
  const std::vector<float> heads{0.1f, 1.0f, 1e-9f}, y{0.0f}, d{1.0f};
  float total = 0, terms[kLossTerms], grad[3];
  composite_loss(s, heads.data(), y.data(), d.data(), &total, terms, grad);
  CHECK(std::isfinite(total));
  CHECK(grad[1] == 0.0f && grad[2] == 0.0f);
  CHECK_CLOSE(terms[kVarianceTerm], 0.5 * (std::log(1e-6) + 0.01 / 1e-6), 1e-5);
}

// Large errors take Huber's linear branch: delta * sign(e) for the price.
TEST_CASE(huber_is_linear_beyond_its_delta) {
  CompositeLoss s = spec(1, 1);
  s.weight[kVarianceTerm] = s.weight[kTrendTerm] = 0.0f;
  s.price_delta = 0.5f;
  const std::vector<float> heads{-2.0f, 0.5f, 1.0f}, y{1.0f}, d{0.0f};
  float total = 0, terms[kLossTerms], grad[3];
  composite_loss(s, heads.data(), y.data(), d.data(), &total, terms, grad);
  CHECK_CLOSE(terms[kPriceTerm], 0.5 * (3.0 - 0.25), 1e-6);
  CHECK_CLOSE(grad[0], -0.5, 1e-6);
}

TEST_CASE(settings_out_of_their_domain_are_refused) {
  const std::vector<float> heads(3, 0.5f), y(1, 0.0f), d(1, 1.0f);
  float total, terms[kLossTerms], grad[3];
  const auto run = [&](CompositeLoss s) { composite_loss(s, heads.data(), y.data(), d.data(), &total, terms, grad); };
  CompositeLoss s = spec(1, 1);
  run(s);
  s.batch = 0;
  CHECK_THROWS(run(s));
  s = spec(1, 1);
  s.horizons = kMaxLossHorizons + 1;
  CHECK_THROWS(run(s));
  s = spec(1, 1);
  s.alpha[0] = 1.5f;
  CHECK_THROWS(run(s));
  s = spec(1, 1);
  s.weight[kTrendTerm] = -1.0f;
  CHECK_THROWS(run(s));
  s = spec(1, 1);
  s.tau = 0.0f;
  CHECK_THROWS(run(s));
  s = spec(1, 1);
  s.price_delta = NAN;
  CHECK_THROWS(run(s));
  CHECK_THROWS(composite_loss(spec(1, 1), heads.data(), y.data(), nullptr, &total, terms, grad));
  // tau is read only by the agreement term (tfjs's local and global trends accept any).
  s = spec(1, 1);
  s.trend_agreement = false;
  s.tau = 0.0f;
  run(s);
}

// The row function reads a row's heads after writing its gradient: an output may not overlap any other buffer.
TEST_CASE(overlapping_outputs_are_refused) {
  std::vector<float> buf(32, 0.5f);
  const CompositeLoss s = spec(2, 1);
  float total, terms[kLossTerms];
  CHECK_THROWS(composite_loss(s, buf.data(), buf.data() + 6, buf.data() + 8, &total, terms, buf.data() + 4));  // grad over heads
  CHECK_THROWS(composite_loss(s, buf.data(), buf.data() + 6, buf.data() + 8, buf.data() + 9, terms, buf.data() + 20));  // total in d
  composite_loss(s, buf.data(), buf.data() + 6, buf.data() + 8, &total, terms, buf.data() + 10);
  CHECK(std::isfinite(total));
}

// A NaN head gives a NaN loss, as tfjs's clip and maximum pass NaN on.
TEST_CASE(a_nan_head_makes_a_nan_loss) {
  for (const std::size_t k : {0, 1, 2}) {
    std::vector<float> heads{0.1f, 0.6f, 0.5f};
    heads[k] = NAN;
    const std::vector<float> y{0.0f}, d{1.0f};
    float total = 0, terms[kLossTerms], grad[3];
    composite_loss(spec(1, 1), heads.data(), y.data(), d.data(), &total, terms, grad);
    CHECK(std::isnan(total));
  }
}

NTP_TEST_MAIN
