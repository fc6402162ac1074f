// The layer norm's sizes and residual branch as both layer-norm bindings read them
// (tensor_kernels_binding.cc on typed arrays, tensor_layer_norm_binding.cc on the ntp backend's
// tensor buffers).
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "../core/nn/layer_norm.h"
#include "args.h"
#include "dropout_arg.h"
#include "sizes.h"

namespace ntp::binding {

inline ntp::LayerNormResidual residual_arg(const Args& a) {
  const DropoutArg d = dropout_arg(a);
  ntp::LayerNormResidual r;
  r.dropout = d.rate;
  r.seed = d.seed;
  return r;
}

// {rows, dim}: element counts of x [rows, dim], the statistics [rows] and gamma/beta [dim].
struct LayerNormSizes {
  int64_t rows, dim;
  std::size_t n, r, d;
  explicit LayerNormSizes(const Args& a)
      : rows(a.integer("rows", 0, int64_t{1} << 40)), dim(a.integer("dim", 1, int64_t{1} << 24)),
        n(count_of(a.field("x"), {rows, dim})), r(static_cast<std::size_t>(rows)), d(static_cast<std::size_t>(dim)) {}
};

inline float epsilon_arg(const Args& a) {
  const double eps = a.number("epsilon");
  if (!(eps > 0)) throw std::invalid_argument(a.field("epsilon") + " must be > 0");
  return static_cast<float>(eps);
}

}  // namespace ntp::binding
