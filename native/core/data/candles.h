// Columnar OHLCV candles as the core sees them: borrowed pointers, never owned.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace ntp {

struct Candles {
  const double* timestamp = nullptr;  // ms since epoch, UTC
  const double* open = nullptr;
  const double* high = nullptr;
  const double* low = nullptr;
  const double* close = nullptr;
  const double* volume = nullptr;
  std::size_t length = 0;
};

// Thrown by kernels for bad data found while reading (the binding turns it into a RangeError).
class DataError : public std::runtime_error {
 public:
  DataError(const std::string& column, std::size_t row, const std::string& what)
      : std::runtime_error("candles." + column + "[" + std::to_string(row) + "] " + what),
        column_(column), row_(row) {}
  const std::string& column() const { return column_; }
  std::size_t row() const { return row_; }

 private:
  std::string column_;
  std::size_t row_;
};

// Checks rows [first, last] for what every kernel over prices assumes: finite positive
// open/high/low/close and finite non-negative volume. Throws DataError on the first bad value.
void require_valid_rows(const Candles& c, std::size_t first, std::size_t last);
// The same test as a yes/no answer, at memory speed (require_valid_rows runs it first and
// searches row by row only to name a bad value). Rows [first, last] must exist when first <= last.
bool rows_valid(const Candles& c, std::size_t first, std::size_t last);

}  // namespace ntp
