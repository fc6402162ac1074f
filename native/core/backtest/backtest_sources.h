// Where a path's decided signals come from, as run_path (backtest_path.h) reads them: signal
// arrays, or a rule's precomputed events (rule_words.h's decisions), on the CPU and the GPU.
#pragma once
#include <cmath>
#include <cstdint>

#include "backtest_step.h"
#include "backtest_strategies.h"
#include "../hd.h"

namespace ntp::bt {

// Signal arrays of one symbol (the columns of SignalArrays).
struct SignalSource {
  const int8_t* sides;
  const double* stops;
  const double* target0;
  const double* target1;
  const double* target2;
  const double* sizes;
  NTP_HD int32_t side(long t) const { return sides[t]; }
  // First bar >= from whose decided side is not 0 (n when none).
  NTP_HD long next_event(long from, long n) const {
    while (from < n && sides[from] == 0) ++from;
    return from;
  }
  NTP_HD SignalLevels levels(long t) const {
    return SignalLevels{stops[t], {target0[t], target1[t], target2[t]}, sizes[t]};
  }
};

// One decided signal of a precomputed list: its bar and side packed in an int32 (bar << 1,
// low bit set for -1), half the memory of a pair, and lists of millions are common in sweeps.
NTP_HD int32_t encode_event(long bar, int32_t side) { return static_cast<int32_t>((bar << 1) | (side < 0 ? 1 : 0)); }
NTP_HD long event_bar(int32_t e) { return e >> 1; }
NTP_HD int32_t event_side(int32_t e) { return (e & 1) != 0 ? -1 : 1; }

// Precomputed decided signals of one (symbol, rule), sorted by bar, shared by every parameter
// set of the pair: finding the next signal is one step along the list. run_path asks
// next_event with a non-decreasing `from`, and side() only for the bar next_event returned, so
// the source keeps a cursor instead of searching. Shared by CPU and CUDA (sweep_run.h).
struct EventListSource {
  const int32_t* cursor;  // first event not before the last `from`
  const int32_t* end;
  NTP_HD long next_event(long from, long n) {
    while (cursor != end && event_bar(*cursor) < from) ++cursor;
    return cursor != end && event_bar(*cursor) < n ? event_bar(*cursor) : n;
  }
  NTP_HD int32_t side(long t) const { return cursor != end && event_bar(*cursor) == t ? event_side(*cursor) : 0; }
  NTP_HD SignalLevels levels(long) const { return rule_levels(); }
};

}  // namespace ntp::bt
