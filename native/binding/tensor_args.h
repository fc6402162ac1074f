// The ntp backend's tensor buffers as its bindings read them (tensor_device_binding.cc,
// tensor_lstm_binding.cc, tensor_indicator_binding.cc): a handle option resolved to a live buffer
// of enough elements, the one device every buffer of a call must share, and a call's scratch.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/nn/device_memory.h"
#include "args.h"

namespace ntp::binding {

inline constexpr int64_t kMaxHandle = int64_t{1} << 40;
inline constexpr std::size_t kElement = 4;

// The live buffer at a.key, holding at least `elements` 4-byte elements.
inline ntp::TensorBuffer buffer_arg(const Args& a, const char* key, std::size_t elements) {
  const int64_t h = a.integer(key, 1, kMaxHandle);
  ntp::TensorBuffer b;
  try {
    b = ntp::tensor_buffers().get(h);
  } catch (const std::out_of_range& e) {
    throw std::invalid_argument(a.field(key) + ": " + e.what());
  }
  if (b.bytes / kElement < elements)
    throw std::invalid_argument(a.field(key) + " holds " + std::to_string(b.bytes / kElement) + " elements, the call needs " +
                                std::to_string(elements));
  return b;
}

// A float32 buffer's elements, read or written by a kernel.
inline const float* f32_in(const ntp::TensorBuffer& b) { return static_cast<const float*>(b.data); }
inline float* f32_out(const ntp::TensorBuffer& b) { return static_cast<float*>(b.data); }

// Every buffer of a call on one device (the output's); returns it.
inline ntp::Device same_device(const std::vector<ntp::TensorBuffer>& bufs) {
  for (const ntp::TensorBuffer& b : bufs)
    if (b.device != bufs.front().device)
      throw std::invalid_argument("inputs and output live on different devices (host and cuda); move one first");
  return bufs.front().device;
}

using ntp::Scratch;  // a call's working memory (core/nn/device_memory.h)

}  // namespace ntp::binding
