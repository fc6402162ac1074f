// Deterministic random-walk candles for the C++ tests (no files needed).
#pragma once
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "../core/data/candles.h"

namespace ntp::test {

struct OwnedCandles {
  std::vector<double> ts, o, h, l, c, v;
  Candles view() const { return Candles{ts.data(), o.data(), h.data(), l.data(), c.data(), v.data(), c.size()}; }
};

inline OwnedCandles random_candles(std::size_t n, uint32_t seed = 7, double bar_ms = 3600000.0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 0.01);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  OwnedCandles k;
  double price = 100.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double open = price;
    const double close = open * std::exp(z(rng));
    const double high = std::fmax(open, close) * (1.0 + 0.005 * u(rng));
    const double low = std::fmin(open, close) * (1.0 - 0.005 * u(rng));
    k.ts.push_back(1.5e12 + bar_ms * static_cast<double>(i));
    k.o.push_back(open); k.h.push_back(high); k.l.push_back(low); k.c.push_back(close);
    k.v.push_back(u(rng) < 0.02 ? 0.0 : 1000.0 * u(rng));
    price = close;
  }
  return k;
}

}  // namespace ntp::test
