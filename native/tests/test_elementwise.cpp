// Broadcasting binary ops against the definition out[i] = a[i % na] op b[i % nb].
#include <vector>

#include "../core/elementwise.h"
#include "check.h"

using namespace ntp;

TEST_CASE(all_broadcasts_match_the_definition) {
  const std::size_t n = 100000;  // large enough to run threaded
  std::vector<float> a(n), b(n), out(n);
  for (std::size_t i = 0; i < n; ++i) { a[i] = 0.5f * float(i % 97) - 7; b[i] = float(i % 13) * 0.25f + 1; }
  for (std::size_t nb : {n, std::size_t(1), std::size_t(16), std::size_t(1000)}) {
    for (int op = kAdd; op <= kMul; ++op) {
      binary_broadcast(static_cast<BinaryOp>(op), a.data(), n, b.data(), nb, out.data());
      for (std::size_t i = 0; i < n; ++i) {
        const float x = a[i], y = b[i % nb];
        const float want = op == kAdd ? x + y : op == kSub ? x - y : x * y;
        CHECK(out[i] == want);
      }
      // And with the broadcast operand first.
      binary_broadcast(static_cast<BinaryOp>(op), b.data(), nb, a.data(), n, out.data());
      for (std::size_t i = 0; i < n; ++i) {
        const float x = b[i % nb], y = a[i];
        CHECK(out[i] == (op == kAdd ? x + y : op == kSub ? x - y : x * y));
      }
    }
  }
}

TEST_CASE(sizes_that_do_not_divide_throw) {
  std::vector<float> a(10), b(3), out(10);
  CHECK_THROWS(binary_broadcast(kAdd, a.data(), 10, b.data(), 3, out.data()));
}

NTP_TEST_MAIN
