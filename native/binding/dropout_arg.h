// The fused dropout's {dropout?: rate in [0, 1), seed?: integer below 2^53} as the attention,
// layer-norm and unary bindings read it (the mask itself: core/nn/dropout_mask.h).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

#include "args.h"

namespace ntp::binding {

struct DropoutArg {
  float rate = 0.0f;
  uint64_t seed = 0;
};

// {dropout?: rate in [0, 1), seed?: integer below 2^53} (other keys for the generic unary op's
// dropout, which takes them as its alpha and beta).
inline DropoutArg dropout_arg(const Args& a, const char* rate_key = "dropout", const char* seed_key = "seed") {
  const double rate = a.number(rate_key, 0.0);
  if (!(rate >= 0.0 && rate < 1.0)) throw std::invalid_argument(a.field(rate_key) + " must be in [0, 1) (got " + std::to_string(rate) + ")");
  return {static_cast<float>(rate), static_cast<uint64_t>(a.integer(seed_key, 0, (int64_t{1} << 53) - 1, 0))};
}

}  // namespace ntp::binding
