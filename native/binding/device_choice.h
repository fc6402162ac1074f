// Resolves a binding's `device` option ("auto" | "cpu" | "cuda") against what is available.
// "auto" takes the GPU when one answers and the CPU twin otherwise (the returned name tells the
// caller which one ran); an explicit "cuda" without a usable GPU is an error with the reason,
// never a silent CPU run.
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
  std::string why;
  const bool usable = cuda_usable(&why);
  if (d == "cuda" && !usable)
    throw Napi::Error::New(args.env(), args.field("device") + " is \"cuda\" but no CUDA device is usable: " + why);
  return d != "cpu" && usable;
}

}  // namespace ntp::binding
