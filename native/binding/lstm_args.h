// The LSTM's shape and buffer sizes as both LSTM bindings read them (lstm_binding.cc on typed
// arrays, tensor_lstm_binding.cc on the ntp backend's tensor buffers).
#pragma once
#include <cstddef>
#include <cstdint>

#include "../core/nn/lstm.h"
#include "args.h"
#include "sizes.h"

namespace ntp::binding {

constexpr int64_t kMaxLstmDim = int64_t{1} << 24;

inline ntp::LstmShape lstm_shape_arg(const Args& a) {
  ntp::LstmShape s;
  s.batch = a.integer("batch", 1, kMaxLstmDim);
  s.steps = a.integer("steps", 1, kMaxLstmDim);
  s.features = a.integer("features", 1, kMaxLstmDim);
  s.units = a.integer("units", 1, kMaxLstmDim);
  s.reverse = a.boolean("goBackwards", false);
  return s;
}

// Element counts of every buffer of the shape (checked: a product past 2^53 is a RangeError).
struct LstmSizes {
  std::size_t x, kernel, recurrent, bias, seq, gates, last;
  LstmSizes(const Args& a, const ntp::LstmShape& s)
      : x(count_of(a.field("x"), {s.batch, s.steps, s.features})),
        kernel(count_of(a.field("kernel"), {s.features, 4, s.units})),
        recurrent(count_of(a.field("recurrentKernel"), {s.units, 4, s.units})),
        bias(count_of(a.field("bias"), {4, s.units})),
        seq(count_of(a.field("h"), {s.batch, s.steps, s.units})),
        gates(count_of(a.field("gates"), {s.batch, s.steps, 4, s.units})),
        last(count_of(a.field("h"), {s.batch, s.units})) {}
};

}  // namespace ntp::binding
