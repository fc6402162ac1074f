// The learnable-indicator kind as both indicator bindings read it (indicators_binding.cc on typed
// arrays, tensor_indicator_binding.cc on the ntp backend's tensor buffers).
#pragma once
#include <napi.h>

#include <stdexcept>
#include <string>

#include "../core/indicators/indicator_layers.h"
#include "args.h"

namespace ntp::binding {

// a.kind: "ma" | "macd" | "rsi" | "bollinger" | "momentum"; a RangeError naming the field otherwise.
inline ntp::IndicatorKind indicator_kind_arg(const Args& a) {
  const std::string k = a.string("kind", "");
  try {
    return ntp::parse_indicator_kind(k);
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(a.env(), a.field("kind") + ": " + e.what());
  }
}

}  // namespace ntp::binding
