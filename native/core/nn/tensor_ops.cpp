// Host twins of the tensor kernels: the shared bodies of tensor_ops.h over the thread pool.
#include "tensor_ops.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "../thread_pool.h"

namespace ntp::tensor {
namespace {

// Elements per chunk below which a kernel stays on the calling thread's chunk.
constexpr std::size_t kMinChunk = 1 << 14;

template <class F>
void for_each(int64_t n, F&& body) {
  if (n <= 0) return;
  parallel_for(static_cast<std::size_t>(n), kMinChunk, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) body(static_cast<int64_t>(i));
  });
}

// Calls f(In*, Out*) with the element types of (in, out).
template <class F>
void typed(DType in, DType out, const void* x, void* y, F&& f) {
  if (in == DType::kFloat32 && out == DType::kFloat32) return f(static_cast<const float*>(x), static_cast<float*>(y));
  if (in == DType::kFloat32 && out == DType::kInt32) return f(static_cast<const float*>(x), static_cast<int32_t*>(y));
  if (in == DType::kInt32 && out == DType::kFloat32) return f(static_cast<const int32_t*>(x), static_cast<float*>(y));
  return f(static_cast<const int32_t*>(x), static_cast<int32_t*>(y));
}

}  // namespace

bool unary_is_predicate(UnaryOp op) {
  return op == kNotZero || op == kIsFinite || op == kIsNan || op == kIsInf || op == kLogicalNot;
}

bool binary_is_predicate(BinaryOp op) {
  return op >= kEqual && op <= kLogicalOr;
}

Broadcast make_broadcast(const int64_t* out, int32_t out_rank, const int64_t* const* shapes, const int32_t* ranks,
                         int32_t inputs) {
  if (out_rank < 0 || out_rank > kMaxRank) throw std::invalid_argument("rank " + std::to_string(out_rank) + " is above " + std::to_string(kMaxRank));
  if (inputs < 1 || inputs > 3) throw std::invalid_argument("1 to 3 inputs");
  Broadcast b;
  b.rank = out_rank;
  b.inputs = inputs;
  b.count = 1;
  for (int32_t d = 0; d < out_rank; ++d) {
    if (out[d] < 0) throw std::invalid_argument("negative output dimension");
    b.dims[d] = out[d];
    b.count *= out[d];
  }
  for (int32_t k = 0; k < inputs; ++k) {
    if (ranks[k] > out_rank) throw std::invalid_argument("input " + std::to_string(k) + " has a higher rank than the output");
    int64_t stride = 1;
    for (int32_t j = ranks[k] - 1; j >= 0; --j) {
      const int32_t d = out_rank - ranks[k] + j;
      const int64_t n = shapes[k][j];
      if (n != 1 && n != out[d])
        throw std::invalid_argument("input " + std::to_string(k) + " dim " + std::to_string(j) + " (" + std::to_string(n) +
                                    ") does not broadcast to " + std::to_string(out[d]));
      b.strides[k][d] = n == 1 ? 0 : stride;
      stride *= n;
    }
    // The shortcut kinds: `stride` is now the input's element count.
    bool trailing = true;  // every dim equals the output's from the first non-1 dim on
    bool seen = false;
    for (int32_t j = 0; j < ranks[k]; ++j) {
      const int64_t n = shapes[k][j];
      seen = seen || n != 1;
      if (seen && n != out[out_rank - ranks[k] + j]) trailing = false;
    }
    if (stride == b.count) b.kind[k] = kSameLayout;
    else if (stride == 1) b.kind[k] = kScalar;
    else if (trailing) b.kind[k] = kTrailingBlock;
    b.block[k] = stride;
  }
  return b;
}

void unary(UnaryOp op, DType in, DType out, const void* x, void* y, int64_t n, double p0, double p1) {
  if (op == kDropout) {
    const DropoutOp d = dropout_op(p0, p1);
    return typed(in, out, x, y, [&](auto* px, auto* py) { for_each(n, [&](int64_t i) { dropout_at(px, py, i, d); }); });
  }
  typed(in, out, x, y, [&](auto* px, auto* py) { for_each(n, [&](int64_t i) { unary_at(op, px, py, i, p0, p1); }); });
}

void binary(BinaryOp op, DType in, DType out, const void* a, const void* b, void* y, const Broadcast& bc) {
  typed(in, out, a, y, [&](auto* pa, auto* py) {
    const auto* pb = static_cast<decltype(pa)>(b);
    for_each(bc.count, [&](int64_t i) { binary_at(op, pa, pb, py, bc, i); });
  });
}

void select(DType dtype, const int32_t* cond, const void* a, const void* b, void* y, const Broadcast& bc) {
  if (dtype == DType::kFloat32) {
    const auto *pa = static_cast<const float*>(a), *pb = static_cast<const float*>(b);
    for_each(bc.count, [&](int64_t i) { select_at(cond, pa, pb, static_cast<float*>(y), bc, i); });
  } else {
    const auto *pa = static_cast<const int32_t*>(a), *pb = static_cast<const int32_t*>(b);
    for_each(bc.count, [&](int64_t i) { select_at(cond, pa, pb, static_cast<int32_t*>(y), bc, i); });
  }
}

void reduce(ReduceOp op, DType in, DType out, const void* x, void* y, int64_t outer, int64_t reduce_n, int64_t inner) {
  typed(in, out, x, y, [&](auto* px, auto* py) {
    // Outputs split over the pool; each output's reduction runs serially (the order tfjs sums in).
    const int64_t n = outer * inner;
    if (n <= 0) return;
    const std::size_t min_chunk = static_cast<std::size_t>(std::max<int64_t>(1, kMinChunk / std::max<int64_t>(1, reduce_n)));
    parallel_for(static_cast<std::size_t>(n), min_chunk, [&](std::size_t b, std::size_t e) {
      for (std::size_t j = b; j < e; ++j) reduce_at(op, px, py, reduce_n, inner, static_cast<int64_t>(j));
    });
  });
}

void copy(const void* x, void* y, const StridedCopy& c) {
  const auto* px = static_cast<const uint32_t*>(x);
  auto* py = static_cast<uint32_t*>(y);
  for_each(c.count, [&](int64_t i) { copy_at(px, py, c, i); });
}

void fill(DType dtype, void* y, int64_t n, double value) {
  if (dtype == DType::kFloat32) {
    const float v = to_element<float>(value);
    for_each(n, [&](int64_t i) { static_cast<float*>(y)[i] = v; });
  } else {
    const int32_t v = to_element<int32_t>(value);
    for_each(n, [&](int64_t i) { static_cast<int32_t*>(y)[i] = v; });
  }
}

}  // namespace ntp::tensor
