// The indicator series rules read (SeriesKey, backtest_strategies.h) as streams over the closes:
// run(x, t0, t1, out) computes bars [t0, t1), continuing where the previous call stopped, with
// the values of plain_indicators.h bit for bit (indicator_streams.h). The CPU engine computes
// them a chunk at a time (backtest_rule_events.cpp), the CUDA sweep whole on the device
// (rule_event_jobs.h). Include no_fp_contract.h first (see indicator_streams.h); CUDA files
// compile with --fmad=false.
#pragma once
#include <cstddef>
#include <tuple>

#include "backtest_strategies.h"
#include "../indicators/indicator_streams.h"

namespace ntp {

// Orders keys so that rules reading the same series share it.
inline bool operator<(const SeriesKey& x, const SeriesKey& y) {
  return std::make_tuple(x.kind, x.a, x.b, x.c) < std::make_tuple(y.kind, y.a, y.b, y.c);
}

// MACD as plain_indicators' macd_series (one Recurrence step per bar for each EMA): the line
// EMA(fast) - EMA(slow), or its signal EMA.
class MacdStream {
 public:
  NTP_HD MacdStream(double fast, double slow, double signal, bool signal_line)
      : fast_(recurrence_coefficient(RecurrenceKind::kEma, fast)), slow_(recurrence_coefficient(RecurrenceKind::kEma, slow)),
        signal_(recurrence_coefficient(RecurrenceKind::kEma, signal)), signal_line_(signal_line) {}
  template <class Out>
  NTP_HD void run(const double* x, std::size_t t0, std::size_t t1, Out out) {
    for (std::size_t t = t0; t < t1; ++t) {
      const int step = t == 0 ? 0 : 1;
      const double line = fast_.step(step, x[t]) - slow_.step(step, x[t]);
      const double signal = signal_.step(step, line);
      out(t, signal_line_ ? signal : line);
    }
  }

 private:
  Recurrence<double> fast_, slow_, signal_;
  bool signal_line_;
};

// Population standard deviation of the last p values around their mean (SmaStream's), two-pass
// over the window as plain_indicators' bollinger_series; NaN for t < p-1.
class StdevStream {
 public:
  NTP_HD explicit StdevStream(int period) : p_(static_cast<std::size_t>(period)), mean_(period) {}
  template <class Out>
  NTP_HD void run(const double* x, std::size_t t0, std::size_t t1, Out out) {
    mean_.run(x, t0, t1, [&](std::size_t t, double mid) {
      if (t + 1 < p_) return out(t, std::numeric_limits<double>::quiet_NaN());
      double ss = 0.0;
      for (std::size_t i = t + 1 - p_; i <= t; ++i) ss += (x[i] - mid) * (x[i] - mid);
      out(t, std::sqrt(ss / static_cast<double>(p_)));
    });
  }

 private:
  std::size_t p_;
  SmaStream mean_;
};

class SeriesStream {
 public:
  NTP_HD explicit SeriesStream(const SeriesKey& key)
      : kind_(key.kind), ema_(recurrence_coefficient(RecurrenceKind::kEma, key.a)), sma_(static_cast<int>(key.a)),
        rsi_(key.a), macd_(key.a, key.b, key.c, key.kind == SeriesKind::kMacdSignal), stdev_(static_cast<int>(key.a)) {}

  template <class Out>
  NTP_HD void run(const double* x, std::size_t t0, std::size_t t1, Out out) {
    switch (kind_) {
      case SeriesKind::kEma: ema_.run(x, t0, t1, out); break;
      case SeriesKind::kSma: sma_.run(x, t0, t1, out); break;
      case SeriesKind::kRsi: rsi_.run(x, t0, t1, out); break;
      case SeriesKind::kMacdLine:
      case SeriesKind::kMacdSignal: macd_.run(x, t0, t1, out); break;
      case SeriesKind::kClose:
        for (std::size_t t = t0; t < t1; ++t) out(t, x[t]);
        break;
      case SeriesKind::kStdev: stdev_.run(x, t0, t1, out); break;
    }
  }

 private:
  SeriesKind kind_;
  EmaStream<double> ema_;
  SmaStream sma_;
  RsiStream rsi_;
  MacdStream macd_;
  StdevStream stdev_;
};

// Series `key` of the n closes x, whole, into out[0, n).
NTP_HD void fill_series(const SeriesKey& key, const double* x, std::size_t n, double* out) {
  SeriesStream(key).run(x, 0, n, [out](std::size_t t, double v) { out[t] = v; });
}

}  // namespace ntp
