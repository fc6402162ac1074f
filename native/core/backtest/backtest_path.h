// run_path: one path of SPEC §9 over all bars, built from the steps of backtest_step.h; shared
// by the CPU engines (core/backtest.cpp, core/backtest_rules.cpp, core/sweep_run.cpp) and the
// CUDA sweep (cuda/sweep.cu).
#pragma once
#include <type_traits>

#include "backtest_quiet_simd.h"
#include "backtest_step.h"
#include "../hd.h"

namespace ntp::bt {

#if !defined(NTP_BT_QUIET_SIMD)
struct QuietLanes {  // quiet_bars keeps its sums in the path state: nothing to fold
  NTP_HD void fold(PathState&) const {}
};
#endif

// The quiet-bar fast-forward: eight bars at a time where the CPU has AVX-512 and nothing is
// recorded per bar; quiet_bars, one bar at a time, everywhere else (CUDA, traced paths).
template <class Sink>
NTP_HD long quiet_run(PathState& s, const Bars& b, long t, long end, Sink& sink, QuietLanes& lanes) {
#if defined(NTP_BT_QUIET_SIMD)
  if constexpr (std::is_same_v<Sink, NoTrace>) return quiet_bars_simd(s, b, t, end, lanes);
#else
  (void)lanes;
#endif
  return quiet_bars(s, b, t, end, sink);
}

// Runs one path over all bars. `Src` supplies decided signals: `side(t)` (0 for none),
// `levels(t)` and `next_event(from, n)` (the first bar >= from with side != 0, else n), which
// it is asked with a non-decreasing `from` (a source may keep a cursor: it is taken by value).
// Every bar goes through the full step (signal at the open, intrabar, close, mark) unless
// nothing but the mark can happen on it, in which case it is fast-forwarded with the same
// results (the SIMD fast-forward sums the returns in another order: see its header).
template <class Src, class Sink>
NTP_HD void run_path(const Bars& b, Src src, const PathParams& p, double bars_per_year,
                     double* metrics, Sink& sink) {
  PathState s;
  init_state(s, p);
  QuietLanes lanes;
  const long n = b.n;
  long ev = src.next_event(0, n);  // the next bar whose decided signal has not acted yet
  long t = 0;
  while (t < n) {
    if (!(t > 0 && ev == t - 1)) {
      const long acts = ev < n ? ev + 1 : n;  // the open at which that signal acts
      if (s.side == 0) {
        mark_flat_run(s, t, acts, sink);
        t = acts;
        if (t >= n) break;
      } else {
        long end = acts < n - 1 ? acts : n - 1;
        if (p.max_hold > 0) {
          const long hold_bar = t + (p.max_hold - s.held) - 1;  // its close reaches the limit
          end = hold_bar < end ? hold_bar : end;
        }
        if (t != s.entry_index) t = quiet_run(s, b, t, end, sink, lanes);
      }
    }
    if (t > 0 && ev == t - 1) {
      on_signal(s, p, src.side(ev), t, b.open[t], src.levels(ev), sink);
      ev = src.next_event(t, n);
    }
    if (s.side != 0) {
      intrabar(s, p, t, b.open[t], b.high[t], b.low[t], sink);
      at_close(s, p, t, b.close[t], t == n - 1, sink);
    }
    sink.equity(t, mark(s, t, b.close[t]));
    ++t;
  }
  lanes.fold(s);
  finalize(s, p, n, bars_per_year, metrics);
}

}  // namespace ntp::bt
