// Counter-based dropout masks: the keep decision for element `index` is a pure function of
// (seed, index) (splitmix64), so a backward pass regenerates the forward pass's mask instead of
// storing it. Shared by the fused attention and residual + layer-norm kernels (and any twin).
#pragma once
#include <cstdint>

#include "../hd.h"

namespace ntp {

NTP_HD bool dropout_keep(uint64_t seed, uint64_t index, float rate) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (index + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) * (1.0f / 16777216.0f) >= rate;
}

}  // namespace ntp
