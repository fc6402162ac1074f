// Broadcasting binary ops against the definition out[i] = a[i % na] op b[i % nb].
#include <cmath>
#include <vector>

#include "../core/nn/elementwise.h"
#include "check.h"

using namespace ntp;

static float definition(int op, float x, float y) {
  switch (op) {
    case kAdd: return x + y;
    case kSub: return x - y;
    case kMul: return x * y;
    case kMax: return x > y ? x : y;
    default: return y > 0.0f ? x : 0.0f;  // kReluGrad
  }
}

TEST_CASE(all_broadcasts_match_the_definition) {
  const std::size_t n = 100000;  // large enough to run threaded
  std::vector<float> a(n), b(n), out(n);
  for (std::size_t i = 0; i < n; ++i) { a[i] = 0.5f * float(i % 97) - 7; b[i] = float(i % 13) * 0.25f + 1; }
  for (std::size_t nb : {n, std::size_t(1), std::size_t(16), std::size_t(1000)}) {
    for (int op = kAdd; op <= kReluGrad; ++op) {
      binary_broadcast(static_cast<BinaryOp>(op), a.data(), n, b.data(), nb, out.data());
      for (std::size_t i = 0; i < n; ++i) {
        const float x = a[i], y = b[i % nb];
        CHECK(out[i] == definition(op, x, y));
      }
      // And with the broadcast operand first.
      binary_broadcast(static_cast<BinaryOp>(op), b.data(), nb, a.data(), n, out.data());
      for (std::size_t i = 0; i < n; ++i) {
        const float x = b[i % nb], y = a[i];
        CHECK(out[i] == definition(op, x, y));
      }
    }
  }
}

TEST_CASE(relu_ops_zero_nan_and_non_positive) {
  const float nan = std::nanf("");
  const std::vector<float> x{-1.0f, 0.0f, 2.0f, nan}, zero{0.0f}, dy{5.0f, 6.0f, 7.0f, 8.0f};
  std::vector<float> y(4), dx(4);
  binary_broadcast(kMax, x.data(), 4, zero.data(), 1, y.data());
  CHECK(y[0] == 0.0f && y[1] == 0.0f && y[2] == 2.0f && y[3] == 0.0f);
  binary_broadcast(kReluGrad, dy.data(), 4, y.data(), 4, dx.data());
  CHECK(dx[0] == 0.0f && dx[1] == 0.0f && dx[2] == 7.0f && dx[3] == 0.0f);
}

TEST_CASE(sizes_that_do_not_divide_throw) {
  std::vector<float> a(10), b(3), out(10);
  CHECK_THROWS(binary_broadcast(kAdd, a.data(), 10, b.data(), 3, out.data()));
}

NTP_TEST_MAIN
