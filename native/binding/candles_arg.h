// Reads `options.candles` ({timestamp, open, high, low, close, volume}: Float64Arrays of one
// length) into a borrowed ntp::Candles, keeping each array alive for async jobs.
#pragma once
#include <vector>

#include "../core/candles.h"
#include "args.h"

namespace ntp::binding {

inline Candles candles_arg(const Args& args, std::vector<Napi::Value>* keep_alive) {
  Args c(args.env(), args.value("candles"), args.field("candles"));
  Candles out;
  std::size_t n = 0;
  out.close = c.array<double>("close", kAnyLength, &n);
  out.timestamp = c.array<double>("timestamp", n);
  out.open = c.array<double>("open", n);
  out.high = c.array<double>("high", n);
  out.low = c.array<double>("low", n);
  out.volume = c.array<double>("volume", n);
  out.length = n;
  if (keep_alive)
    for (const char* k : {"timestamp", "open", "high", "low", "close", "volume"})
      keep_alive->push_back(c.value(k));
  return out;
}

}  // namespace ntp::binding
