// The `activation` option of the matMul entry points (host and device), read by name.
#pragma once
#include <napi.h>

#include <string>

#include "../core/nn/gemm.h"
#include "args.h"

namespace ntp::binding {

inline ntp::Activation activation_arg(const Args& a) {
  const std::string s = a.string("activation", "linear");
  if (s == "linear") return ntp::Activation::kLinear;
  if (s == "relu") return ntp::Activation::kRelu;
  if (s == "relu6") return ntp::Activation::kRelu6;
  if (s == "sigmoid") return ntp::Activation::kSigmoid;
  if (s == "elu") return ntp::Activation::kElu;
  if (s == "leakyrelu") return ntp::Activation::kLeakyRelu;
  throw Napi::RangeError::New(a.env(), a.field("activation") +
                                           " must be linear, relu, relu6, sigmoid, elu or leakyrelu (got \"" + s + "\")");
}

}  // namespace ntp::binding
