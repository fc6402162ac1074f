// The fused dropout's {dropout?: rate in [0, 1), seed?: integer below 2^53} as the attention and
// layer-norm bindings read it (the mask itself: core/nn/dropout_mask.h).
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

// {dropout?: rate in [0, 1), seed?: integer below 2^53}.
inline DropoutArg dropout_arg(const Args& a) {
  const double rate = a.number("dropout", 0.0);
  if (!(rate >= 0.0 && rate < 1.0)) throw std::invalid_argument(a.field("dropout") + " must be in [0, 1) (got " + std::to_string(rate) + ")");
  return {static_cast<float>(rate), static_cast<uint64_t>(a.integer("seed", 0, (int64_t{1} << 53) - 1, 0))};
}

}  // namespace ntp::binding
