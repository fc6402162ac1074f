#include "candles.h"

#include <cmath>

namespace ntp {

void require_valid_rows(const Candles& c, std::size_t first, std::size_t last) {
  struct Column { const char* name; const double* data; bool price; };
  const Column cols[] = {{"open", c.open, true},   {"high", c.high, true},
                         {"low", c.low, true},     {"close", c.close, true},
                         {"volume", c.volume, false}};
  for (std::size_t t = first; t <= last && t < c.length; ++t) {
    if (!std::isfinite(c.timestamp[t])) throw DataError("timestamp", t, "is not finite");
    for (const Column& col : cols) {
      const double v = col.data[t];
      if (!std::isfinite(v)) throw DataError(col.name, t, "is not finite (" + std::to_string(v) + ")");
      if (col.price ? !(v > 0) : v < 0)
        throw DataError(col.name, t, std::string(col.price ? "must be > 0" : "must be >= 0") +
                                         " (got " + std::to_string(v) + ")");
    }
  }
}

}  // namespace ntp
