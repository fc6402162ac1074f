#include "elementwise.h"

#include <algorithm>
#include <stdexcept>

#include "../thread_pool.h"

namespace ntp {
namespace {

template <class Op>
void run(Op op, const float* a, std::size_t na, const float* b, std::size_t nb, float* out) {
  const std::size_t n = std::max(na, nb);
  // Work is split into whole blocks of the repeating operand so the inner loop never wraps.
  const std::size_t block = std::min(na, nb) == n ? std::size_t(4096) : std::min(na, nb);
  const std::size_t blocks = (n + block - 1) / block;
  const std::size_t min_blocks = std::max<std::size_t>(1, (std::size_t(1) << 15) / block);
  parallel_for(blocks, min_blocks, [&](std::size_t bb, std::size_t be) {
    for (std::size_t k = bb; k < be; ++k) {
      const std::size_t start = k * block, end = std::min(n, start + block);
      const float* pa = na == n ? a + start : a;
      const float* pb = nb == n ? b + start : b;
      float* po = out + start;
      const std::size_t len = end - start;
      if (na == 1) { const float s = a[0]; for (std::size_t i = 0; i < len; ++i) po[i] = op(s, pb[i]); }
      else if (nb == 1) { const float s = b[0]; for (std::size_t i = 0; i < len; ++i) po[i] = op(pa[i], s); }
      else for (std::size_t i = 0; i < len; ++i) po[i] = op(pa[i], pb[i]);
    }
  });
}

}  // namespace

void binary_broadcast(BinaryOp op, const float* a, std::size_t na, const float* b, std::size_t nb, float* out) {
  const std::size_t n = std::max(na, nb);
  if (na == 0 || nb == 0) return;
  if (n % na != 0 || n % nb != 0) throw std::invalid_argument("operand sizes must each equal or divide the larger one");
  switch (op) {
    case kAdd: return run([](float x, float y) { return x + y; }, a, na, b, nb, out);
    case kSub: return run([](float x, float y) { return x - y; }, a, na, b, nb, out);
    case kMul: return run([](float x, float y) { return x * y; }, a, na, b, nb, out);
    case kMax: return run([](float x, float y) { return x > y ? x : y; }, a, na, b, nb, out);
    case kReluGrad: return run([](float x, float y) { return y > 0.0f ? x : 0.0f; }, a, na, b, nb, out);
  }
  throw std::invalid_argument("unknown binary op");
}

}  // namespace ntp
