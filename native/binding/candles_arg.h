// Reads `options.candles` ({timestamp, open, high, low, close, volume}: Float64Arrays of one
// length) into an ntp::Candles over the call's views (args.h).
#pragma once

#include "../core/data/candles.h"
#include "args.h"

namespace ntp::binding {

inline Candles candles_arg(const Args& args) {
  const Args c = args.child("candles");
  Candles out;
  std::size_t n = 0;
  out.close = c.array<double>("close", kAnyLength, &n);
  out.timestamp = c.array<double>("timestamp", n);
  out.open = c.array<double>("open", n);
  out.high = c.array<double>("high", n);
  out.low = c.array<double>("low", n);
  out.volume = c.array<double>("volume", n);
  out.length = n;
  return out;
}

}  // namespace ntp::binding
