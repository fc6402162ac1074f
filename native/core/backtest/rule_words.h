// A rule's decided signals a word of 64 bars at a time, as bitsets (bit k: bar base + k): the
// decision every strategy shares (backtest_strategies.h: +1 where `up` holds and did not at the
// bar before, -1 likewise for `down`, from the warm-up on) and the events a word gives. Shared
// by the CPU engine's chunked scan (backtest_rule_events.cpp, which computes the conditions in
// SIMD lanes and this scalar code for the tail) and the CUDA sweep's scan of one (symbol, rule)
// per thread (rule_event_jobs.h), so that both give the same lists.
#pragma once
#include <cstdint>

#include "backtest_sources.h"
#include "backtest_strategies.h"
#include "../hd.h"

namespace ntp {

constexpr int kWordBars = 64;

// Index of the lowest set bit of x != 0.
NTP_HD int lowest_bit(uint64_t x) {
#if defined(__CUDA_ARCH__)
  return __ffsll(static_cast<long long>(x)) - 1;
#else
  return __builtin_ctzll(x);
#endif
}

// Keeps only the bits of bars >= warmup in a word starting at bar `base`.
NTP_HD uint64_t from_warmup(long base, long warmup) {
  if (base >= warmup) return ~uint64_t{0};
  const long below = warmup - base;
  return below >= kWordBars ? 0 : ~uint64_t{0} << below;
}

// Bits k0 .. count-1 of strategy S's conditions, or'ed into u / d, bar k read at at[i][k].
template <class S>
NTP_HD void condition_word(const double* const* at, const double* p, int k0, int count, uint64_t& u, uint64_t& d) {
  for (int k = k0; k < count; ++k) {
    double v[kMaxRuleSeries];
    for (int i = 0; i < S::kSeries; ++i) v[i] = at[i][k];
    u |= static_cast<uint64_t>(S::up(v, p)) << k;
    d |= static_cast<uint64_t>(S::down(v, p)) << k;
  }
}

// The decided sides of the word at bar `base` from its conditions u / d: a condition that turns
// true (it did not hold at the bar before; at[i][-1] is read when base > 0), from the warm-up on,
// and never both at once (that decides nothing, as +1 - 1).
template <class S>
NTP_HD void decide_word(const double* const* at, const double* p, long base, long warmup, uint64_t u, uint64_t d,
                        uint64_t& up, uint64_t& down) {
  uint64_t prev_u = 0, prev_d = 0;
  if (base > 0) {
    double v[kMaxRuleSeries];
    for (int i = 0; i < S::kSeries; ++i) v[i] = at[i][-1];
    prev_u = S::up(v, p);
    prev_d = S::down(v, p);
  }
  const uint64_t keep = from_warmup(base, warmup);
  const uint64_t rising = u & ~((u << 1) | prev_u) & keep, falling = d & ~((d << 1) | prev_d) & keep;
  up = rising & ~falling;
  down = falling & ~rising;
}

// The events of a decided word in bar order, each given to put (bt::encode_event).
template <class Put>
NTP_HD void word_events(long base, uint64_t up, uint64_t down, Put&& put) {
  for (uint64_t bits = up | down; bits != 0; bits &= bits - 1) {
    const int k = lowest_bit(bits);
    put(bt::encode_event(base + k, ((down >> k) & 1) != 0 ? -1 : 1));
  }
}

// The decided words of one (symbol, rule) over bars [0, n), its series whole (series[i][t]):
// emit(base, up, down) for each word from the one holding the warm-up bar on.
template <class Emit>
NTP_HD void scan_rule(int32_t kind, const double* const* series, const double* p, long n, long warmup, Emit&& emit) {
  visit_strategy(kind, [&](auto s) {
    using S = decltype(s);
    for (long base = warmup / kWordBars * kWordBars; base < n; base += kWordBars) {
      const int count = n - base < kWordBars ? static_cast<int>(n - base) : kWordBars;
      const double* at[kMaxRuleSeries];
      for (int i = 0; i < S::kSeries; ++i) at[i] = series[i] + base;
      uint64_t u = 0, d = 0, up = 0, down = 0;
      condition_word<S>(at, p, 0, count, u, d);
      decide_word<S>(at, p, base, warmup, u, d, up, down);
      emit(base, up, down);
    }
  });
}

}  // namespace ntp
