// Resolves a binding's `device` option ("auto" | "cpu" | "cuda") against what is available.
// "cuda" on a machine without a usable GPU falls back to the CPU twin: results are identical
// within tolerance, and the returned name tells the caller which one ran.
#pragma once
#include <string>

#include "../cuda/cuda_api.h"
#include "args.h"

namespace ntp::binding {

inline bool use_cuda(const Args& args) {
  const std::string d = args.string("device", "auto");
  if (d != "auto" && d != "cpu" && d != "cuda")
    throw Napi::RangeError::New(args.env(), args.field("device") +
                                                " must be \"auto\", \"cpu\" or \"cuda\" (got \"" + d + "\")");
  return d != "cpu" && device_info().available;
}

}  // namespace ntp::binding
