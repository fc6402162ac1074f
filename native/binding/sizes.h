// Checked size arithmetic for the addon's entry points, free of Node-API so the fuzz harness
// (scripts/fuzz/) runs it without Node. Every element count a binding checks a typed array
// against, and every int32 a kernel receives, goes through these: a product of user-given
// dimensions that would wrap past 64 bits (or the int32 a kernel indexes with) is refused with a
// SizeError naming the field instead of wrapping to a small length that a short view passes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <stdexcept>
#include <string>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace ntp::binding {

// A count, shape or memory need that no call can satisfy (the binding's RangeError).
class SizeError : public std::length_error {
 public:
  using std::length_error::length_error;
};

// No typed array holds more elements (V8's limit is lower), and 2^53 elements of 8 bytes still
// fit in 64 bits, so byte sizes computed from a checked count never wrap.
constexpr uint64_t kMaxElements = uint64_t{1} << 53;

// Product of `dims[0..n)`, each >= 0; SizeError naming `what` if it passes kMaxElements. Zero
// dims count as 1 in that check, so strides and partial products a kernel derives from the dims
// stay bounded even when the count is 0.
inline std::size_t count_of(const std::string& what, const int64_t* dims, std::size_t n) {
  uint64_t bound = 1;
  bool empty = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (dims[i] < 0) throw SizeError(what + ": negative size " + std::to_string(dims[i]));
    const uint64_t u = dims[i] == 0 ? 1 : static_cast<uint64_t>(dims[i]);
    empty = empty || dims[i] == 0;
    if (u > kMaxElements / bound) {
      std::string shape;
      for (std::size_t j = 0; j < n; ++j) shape += (j ? " x " : "") + std::to_string(dims[j]);
      throw SizeError(what + ": " + shape + " elements is more than any array can hold (2^53)");
    }
    bound *= u;
  }
  return empty ? 0 : static_cast<std::size_t>(bound);
}
inline std::size_t count_of(const std::string& what, std::initializer_list<int64_t> dims) {
  return count_of(what, dims.begin(), dims.size());
}

// `v` as the int32 a kernel takes (lengths of periods, features, horizons).
inline int32_t as_int32(const std::string& what, uint64_t v) {
  if (v > static_cast<uint64_t>(INT32_MAX))
    throw SizeError(what + ": " + std::to_string(v) + " is more than the kernels support (2^31 - 1)");
  return static_cast<int32_t>(v);
}

// Working memory a call may allocate beyond its arguments (plus, for async jobs, the copies of
// its arguments): NTP_NATIVE_MEMORY_LIMIT bytes if set, else the machine's physical memory.
inline double memory_limit_bytes() {
  static const double limit = [] {
    if (const char* env = std::getenv("NTP_NATIVE_MEMORY_LIMIT")) {
      char* end = nullptr;
      const double v = std::strtod(env, &end);
      if (end != env && *end == '\0' && v > 0) return v;
    }
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) return static_cast<double>(pages) * static_cast<double>(page);
#endif
    return 16.0 * (1 << 30);
  }();
  return limit;
}

// "12.34 GiB" (or MiB below 1 GiB), for messages.
inline std::string human_bytes(double bytes) {
  const bool g = bytes >= (1 << 30);
  const std::string s = std::to_string(bytes / (g ? (1 << 30) : (1 << 20)));
  return s.substr(0, s.find('.') + 3) + (g ? " GiB" : " MiB");
}

// SizeError when `bytes` of working memory exceed the limit: refused before anything runs.
inline void check_memory(const std::string& where, double bytes) {
  const double limit = memory_limit_bytes();
  if (bytes > limit)
    throw SizeError(where + ": needs " + human_bytes(bytes) + " of working memory, more than the limit of " + human_bytes(limit) +
                    " (physical memory, or NTP_NATIVE_MEMORY_LIMIT)");
}

}  // namespace ntp::binding
