// Fused Adam + global-norm clipping against the step written out naively (float32 like tfjs).
#include <cmath>
#include <random>
#include <vector>

#include "../core/nn/optimizer.h"
#include "check.h"

using namespace ntp;

namespace {

struct Tensors {
  std::vector<std::vector<float>> p, g, m, v;
  std::vector<AdamTensor> views() {
    std::vector<AdamTensor> out;
    for (std::size_t i = 0; i < p.size(); ++i) out.push_back({p[i].data(), g[i].data(), m[i].data(), v[i].data(), p[i].size()});
    return out;
  }
};

Tensors random_tensors(unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> z(0.f, 1.f);
  Tensors t;
  for (std::size_t size : {1u, 7u, 300u, 4096u}) {
    std::vector<float> p(size), g(size), m(size), v(size);
    for (std::size_t k = 0; k < size; ++k) { p[k] = z(rng); g[k] = 3 * z(rng); m[k] = 0.1f * z(rng); v[k] = std::fabs(0.1f * z(rng)); }
    t.p.push_back(p); t.g.push_back(g); t.m.push_back(m); t.v.push_back(v);
  }
  return t;
}

}  // namespace

TEST_CASE(matches_naive_adam_with_clipping) {
  Tensors a = random_tensors(1), ref = a;
  AdamStep s;
  s.learning_rate = 1e-3; s.step = 7; s.clip_norm = 5;
  auto views = a.views();
  const double norm = adam_step(views.data(), views.size(), s).norm;
  double sq = 0;
  for (auto& g : ref.g) for (float x : g) sq += double(x) * x;
  CHECK_CLOSE(norm, std::sqrt(sq), 1e-12);
  CHECK(norm > 5);  // so clipping is exercised
  const float scale = float(5 / norm);
  const float c1 = float(1 - std::pow(0.9, 7)), c2 = float(1 - std::pow(0.999, 7));
  for (std::size_t i = 0; i < ref.p.size(); ++i) {
    for (std::size_t k = 0; k < ref.p[i].size(); ++k) {
      const float g = ref.g[i][k] * scale;
      const float m = 0.9f * ref.m[i][k] + 0.1f * g;
      const float v = 0.999f * ref.v[i][k] + 0.001f * g * g;
      const float p = ref.p[i][k] - 1e-3f * (m / c1) / (std::sqrt(v / c2) + 1e-7f);
      CHECK_CLOSE(a.m[i][k], m, 1e-6);
      CHECK_CLOSE(a.v[i][k], v, 1e-6);
      CHECK_CLOSE(a.p[i][k], p, 1e-6);
    }
  }
}

// With `out`, the update lands there bit for bit as in place, and the parameters are only read
// (the ntp backend's variables get fresh buffers, no copy first).
TEST_CASE(out_of_place_update_equals_in_place_and_reads_params_only) {
  Tensors in_place = random_tensors(4), apart = in_place;
  const std::vector<std::vector<float>> before = apart.p;
  std::vector<std::vector<float>> out;
  for (const auto& p : apart.p) out.emplace_back(p.size(), -7.0f);
  AdamStep s;
  s.step = 3;
  s.clip_norm = 2;
  auto a = in_place.views(), b = apart.views();
  for (std::size_t i = 0; i < b.size(); ++i) {
    a[i].l2 = b[i].l2 = 0.01f * static_cast<float>(i);
    b[i].out = out[i].data();
  }
  const AdamResult ra = adam_step(a.data(), a.size(), s), rb = adam_step(b.data(), b.size(), s);
  CHECK(ra.applied && rb.applied && ra.norm == rb.norm && ra.penalty == rb.penalty);
  CHECK(apart.p == before);
  CHECK(out == in_place.p);
  CHECK(apart.m == in_place.m && apart.v == in_place.v);
}

TEST_CASE(no_clipping_below_the_norm_and_deterministic) {
  Tensors a = random_tensors(2), b = a;
  AdamStep s;
  s.clip_norm = 1e9;
  auto va = a.views(), vb = b.views();
  const double na = adam_step(va.data(), va.size(), s).norm, nb = adam_step(vb.data(), vb.size(), s).norm;
  CHECK(na == nb);
  for (std::size_t i = 0; i < a.p.size(); ++i) for (std::size_t k = 0; k < a.p[i].size(); ++k) CHECK(a.p[i][k] == b.p[i][k]);
}

// The L2 penalty l2 * sum(p^2): its gradient l2 * (2 p) joins the loss's before the norm, and
// its value is returned (only for tensors with a coefficient).
TEST_CASE(l2_penalty_joins_the_gradient_and_is_returned) {
  Tensors a = random_tensors(5), ref = a;
  auto views = a.views();
  const float l2[] = {0.f, 1e-3f, 0.5f, 0.f};
  for (std::size_t i = 0; i < views.size(); ++i) views[i].l2 = l2[i];
  AdamStep s;
  s.learning_rate = 1e-2; s.step = 3; s.clip_norm = 5;
  const AdamResult r = adam_step(views.data(), views.size(), s);
  CHECK(r.applied);
  double sq = 0, penalty = 0;
  std::vector<std::vector<float>> g(ref.p.size());
  for (std::size_t i = 0; i < ref.p.size(); ++i) {
    for (std::size_t k = 0; k < ref.p[i].size(); ++k) {
      g[i].push_back(l2[i] == 0 ? ref.g[i][k] : ref.g[i][k] + l2[i] * (2 * ref.p[i][k]));
      sq += double(g[i][k]) * g[i][k];
      penalty += double(l2[i]) * ref.p[i][k] * ref.p[i][k];
    }
  }
  CHECK_CLOSE(r.norm, std::sqrt(sq), 1e-12);
  CHECK_CLOSE(r.penalty, penalty, 1e-12);
  CHECK(r.penalty > 0);
  const float scale = float(5 / r.norm);
  const float c1 = float(1 - std::pow(0.9, 3)), c2 = float(1 - std::pow(0.999, 3));
  for (std::size_t i = 0; i < ref.p.size(); ++i) {
    for (std::size_t k = 0; k < ref.p[i].size(); ++k) {
      const float gk = g[i][k] * scale;
      const float m = 0.9f * ref.m[i][k] + 0.1f * gk;
      const float v = 0.999f * ref.v[i][k] + 0.001f * gk * gk;
      CHECK_CLOSE(a.p[i][k], ref.p[i][k] - 1e-2f * (m / c1) / (std::sqrt(v / c2) + 1e-7f), 1e-6);
    }
  }
}

// A NaN or infinite gradient anywhere: nothing changes, and the caller is told.
TEST_CASE(non_finite_gradient_changes_nothing) {
  for (float bad : {NAN, INFINITY}) {
    Tensors a = random_tensors(6), ref = a;
    a.g[2][17] = bad;
    auto views = a.views();
    AdamStep s;
    s.clip_norm = 5;
    const AdamResult r = adam_step(views.data(), views.size(), s);
    CHECK(!r.applied);
    CHECK(!std::isfinite(r.norm));
    CHECK(a.p == ref.p && a.m == ref.m && a.v == ref.v);
  }
}

TEST_CASE(bad_settings_throw) {
  Tensors a = random_tensors(3);
  auto v = a.views();
  AdamStep s;
  s.step = 0;
  CHECK_THROWS(adam_step(v.data(), v.size(), s));
  s.step = 1; s.beta1 = 1;
  CHECK_THROWS(adam_step(v.data(), v.size(), s));
}

NTP_TEST_MAIN
