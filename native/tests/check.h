// A minimal test harness for the core's C++ tests (one executable per test file, run by ctest).
#pragma once
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace ntp::test {

struct Case { const char* name; std::function<void()> fn; };
inline std::vector<Case>& cases() { static std::vector<Case> c; return c; }
inline int& failures() { static int f = 0; return f; }
struct Register { Register(const char* n, std::function<void()> f) { cases().push_back({n, std::move(f)}); } };

inline bool close_rel(double a, double b, double rel, double abs_tol = 0) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::fabs(a - b) <= abs_tol + rel * std::fmax(std::fabs(a), std::fabs(b));
}

}  // namespace ntp::test

#define TEST_CASE(name)                                                          \
  static void name();                                                            \
  static ::ntp::test::Register name##_reg(#name, name);                          \
  static void name()

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++::ntp::test::failures();                                                 \
      return;                                                                    \
    }                                                                            \
  } while (0)

#define CHECK_CLOSE(a, b, rel)                                                   \
  do {                                                                           \
    const double va_ = (a), vb_ = (b);                                           \
    if (!::ntp::test::close_rel(va_, vb_, (rel), 1e-12)) {                       \
      std::fprintf(stderr, "  %s:%d: %s = %.17g vs %s = %.17g (rel %g)\n", __FILE__, __LINE__, \
                   #a, va_, #b, vb_, (double)(rel));                             \
      ++::ntp::test::failures();                                                 \
      return;                                                                    \
    }                                                                            \
  } while (0)

#define CHECK_THROWS(expr)                                                       \
  do {                                                                           \
    bool threw_ = false;                                                         \
    try { expr; } catch (...) { threw_ = true; }                                 \
    if (!threw_) {                                                               \
      std::fprintf(stderr, "  %s:%d: %s did not throw\n", __FILE__, __LINE__, #expr); \
      ++::ntp::test::failures();                                                 \
      return;                                                                    \
    }                                                                            \
  } while (0)

// Each test file ends with NTP_TEST_MAIN.
#define NTP_TEST_MAIN                                                            \
  int main() {                                                                   \
    int failed_cases = 0;                                                        \
    for (auto& c : ::ntp::test::cases()) {                                       \
      const int before = ::ntp::test::failures();                                \
      try { c.fn(); } catch (const std::exception& e) {                          \
        std::fprintf(stderr, "  unexpected exception: %s\n", e.what());          \
        ++::ntp::test::failures();                                               \
      }                                                                          \
      const bool ok = ::ntp::test::failures() == before;                         \
      failed_cases += ok ? 0 : 1;                                                \
      std::printf("%s %s\n", ok ? "ok  " : "FAIL", c.name);                      \
    }                                                                            \
    std::printf("%zu cases, %d failed\n", ::ntp::test::cases().size(), failed_cases); \
    return failed_cases == 0 ? 0 : 1;                                            \
  }
