#include "candles.h"

#include <cmath>

namespace ntp {
namespace {

constexpr double kMaxFinite = 1.7976931348623157e308;

// Whether every x[t] of [0, n) is finite and above `lo` (at or above it unless `strict`); NaN
// fails. Branch-free so the compiler vectorises it: valid data, the common case, is checked at
// memory speed and only a failure pays for the row-by-row search that names the bad value.
bool all_finite_above(const double* x, std::size_t n, double lo, bool strict) {
  std::size_t bad = 0;
  if (strict) {
    for (std::size_t t = 0; t < n; ++t) bad += !(x[t] > lo) | !(x[t] <= kMaxFinite);
  } else {
    for (std::size_t t = 0; t < n; ++t) bad += !(x[t] >= lo) | !(x[t] <= kMaxFinite);
  }
  return bad == 0;
}

}  // namespace

bool rows_valid(const Candles& c, std::size_t first, std::size_t last) {
  if (first >= c.length || last < first) return true;  // no rows (as require_valid_rows' loop)
  const std::size_t n = (last < c.length ? last + 1 : c.length) - first;
  return all_finite_above(c.timestamp + first, n, -kMaxFinite, false) && all_finite_above(c.open + first, n, 0, true) &&
         all_finite_above(c.high + first, n, 0, true) && all_finite_above(c.low + first, n, 0, true) &&
         all_finite_above(c.close + first, n, 0, true) && all_finite_above(c.volume + first, n, 0, false);
}

void require_valid_rows(const Candles& c, std::size_t first, std::size_t last) {
  if (rows_valid(c, first, last)) return;
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
