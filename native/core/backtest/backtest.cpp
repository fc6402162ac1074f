// CPU engine: argument checks, and paths in parallel with parallel_for, each simulated by
// run_path (backtest_path.h) with its state on the stack (no per-path heap allocation).
#include "../no_fp_contract.h"  // round as the TypeScript reference (parity within 1e-9, SPEC §9)

#include "backtest.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "backtest_path.h"
#include "backtest_sources.h"
#include "backtest_trace.h"
#include "../thread_pool.h"

namespace ntp {
namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument(what); }

std::string at(const char* field, std::size_t i) { return std::string(field) + "[" + std::to_string(i) + "]"; }

}  // namespace

void check_backtest_common(const BacktestSymbol* symbols, std::size_t S, const bt::PathParams* params,
                           std::size_t P) {
  if (S == 0) bad("symbols must not be empty");
  if (P == 0) bad("params must describe at least one parameter set");
  for (std::size_t s = 0; s < S; ++s)  // bar indices are int32 (trade records; rule events hold 2 * bar)
    if (symbols[s].candles.length >= kMaxBacktestBars)
      bad(at("symbols", s) + ".candles has " + std::to_string(symbols[s].candles.length) + " bars; at most " +
          std::to_string(kMaxBacktestBars - 1) + " per symbol");
  // On the calling thread (the binding calls this on the JS thread): waiting for the thread
  // pool there would stall the event loop while another job holds it.
  for (std::size_t s = 0; s < S; ++s) {
    const Candles& c = symbols[s].candles;
    if (c.length == 0) bad(at("symbols", s) + ".candles has no bars");
    const double bpy = symbols[s].bars_per_year;
    if (!(std::isfinite(bpy) && bpy > 0))
      bad(at("symbols", s) + ".barsPerYear = " + num(bpy) + " must be a finite number > 0");
    try {
      require_valid_rows(c, 0, c.length - 1);
    } catch (const DataError& e) {
      bad(at("symbols", s) + "." + e.what());  // "symbols[2].candles.close[17] is not finite (nan)"
    }
  }
  for (std::size_t p = 0; p < P; ++p) {
    const bt::PathParams& q = params[p];
    const auto field = [p](const std::string& name) { return at(("params." + name).c_str(), p); };
    if (!(std::isfinite(q.fee) && q.fee >= 0)) bad(field("feeBps") + " = " + num(q.fee * 1e4) + " must be finite and >= 0");
    if (!(std::isfinite(q.slip) && q.slip >= 0 && q.slip < 1))
      bad(field("slippageBps") + " = " + num(q.slip * 1e4) + " must be in [0, 10000)");
    if (!(std::isfinite(q.risk_fraction) && q.risk_fraction > 0))
      bad(field("riskFraction") + " = " + num(q.risk_fraction) + " must be finite and > 0");
    if (!(std::isfinite(q.initial_equity) && q.initial_equity > 0))
      bad(field("initialEquity") + " = " + num(q.initial_equity) + " must be finite and > 0");
    if (q.max_hold < 0) bad(field("maxHoldBars") + " = " + std::to_string(q.max_hold) + " must be >= 0 (0 = no limit)");
    double sum = 0;
    for (int k = 0; k < 3; ++k) {
      if (!(std::isfinite(q.frac[k]) && q.frac[k] >= 0))
        bad(field("fraction" + std::string(1, char('1' + k))) + " = " + num(q.frac[k]) + " must be finite and >= 0");
      sum += q.frac[k];
    }
    if (std::fabs(sum - 1.0) > 1e-9)
      bad(field("fraction1..3") + " sum to " + num(sum) + "; the tier fractions must sum to 1 (tolerance 1e-9)");
    if (!std::isnan(q.stop_override) && !(q.stop_override > 0))
      bad(field("stopDistance") + " = " + num(q.stop_override) + " must be > 0 (Infinity: no stop; NaN: the signal's)");
    double prev = 0;
    for (int k = 0; k < 3; ++k) {
      const double d = q.target_override[k];
      if (std::isnan(d)) continue;
      if (!(d > 0) || d < prev)
        bad(field(("target" + std::to_string(k + 1)).c_str()) + " = " + num(d) +
            " must be > 0 and >= the lower tiers' overrides (Infinity: no target; NaN: the signal's)");
      prev = d;
    }
    if ((q.flags & (bt::kAllowLong | bt::kAllowShort)) == 0) bad(field("direction") + " allows neither long nor short");
  }
}

void check_signal_columns(const SignalColumns* signals, const BacktestSymbol* symbols, std::size_t S) {
  for (std::size_t s = 0; s < S; ++s) {
    const SignalColumns& g = signals[s];
    const std::string where = at("symbols", s) + ".signals.";
    if (!g.side || !g.stop || !g.size || !g.target[0] || !g.target[1] || !g.target[2])
      bad(where + "side/stopDistance/targetDistance/size are all required");
    for (std::size_t t = 0; t < symbols[s].candles.length; ++t) {
      const int side = g.side[t];
      if (side == 0) continue;
      if (side != 1 && side != -1) bad(where + at("side", t) + " = " + std::to_string(side) + " must be -1, 0 or 1");
      if (!(g.stop[t] > 0))
        bad(where + at("stopDistance", t) + " = " + num(g.stop[t]) + " must be > 0 where side != 0 (Infinity: no stop)");
      double prev = 0;
      for (int k = 0; k < 3; ++k) {
        const double d = g.target[k][t];
        if (!(d > 0) || d < prev)
          bad(where + "targetDistance[" + std::to_string(k) + "][" + std::to_string(t) + "] = " + num(d) +
              " must be > 0 and >= the lower tiers' where side != 0 (Infinity: no target)");
        prev = d;
      }
      if (!(g.size[t] >= 0 && g.size[t] <= 1))
        bad(where + at("size", t) + " = " + num(g.size[t]) + " must be in [0, 1] where side != 0");
    }
  }
}

void check_trace(const TraceRequest* trace, std::size_t paths, const BacktestSymbol* symbols, std::size_t S) {
  if (!trace || trace->count == 0) return;
  std::size_t longest = 0;
  for (std::size_t s = 0; s < S; ++s) longest = std::max(longest, symbols[s].candles.length);
  if (trace->stride < longest)
    bad("trace stride " + std::to_string(trace->stride) + " is shorter than the longest symbol (" +
        std::to_string(longest) + " bars)");
  if (!trace->paths || !trace->trades || !trace->trade_counts) bad("trace needs paths, trades and tradeCounts");
  for (std::size_t i = 0; i < trace->count; ++i) {
    const int32_t p = trace->paths[i];
    if (p < 0 || static_cast<std::size_t>(p) >= paths)
      bad(at("trace.paths", i) + " = " + std::to_string(p) + " must be in [0, " + std::to_string(paths) + ")");
  }
}

namespace {

bt::Bars bars_of(const BacktestSymbol& s) {
  const Candles& c = s.candles;
  return bt::Bars{c.open, c.high, c.low, c.close, static_cast<long>(c.length)};
}

bt::SignalSource source_of(const SignalColumns& g) {
  return bt::SignalSource{g.side, g.stop, g.target[0], g.target[1], g.target[2], g.size};
}

}  // namespace

void backtest_signals(const BacktestSymbol* symbols, const SignalColumns* signals, std::size_t S,
                      const bt::PathParams* params, std::size_t P, double* metrics,
                      const TraceRequest* trace, InputCheck input_check) {
  if (input_check == InputCheck::kRun) {
    check_backtest_common(symbols, S, params, P);
    check_signal_columns(signals, symbols, S);
    check_trace(trace, S * P, symbols, S);
  }
  if (metrics) {
    parallel_for(S * P, 4, [&](std::size_t begin, std::size_t end) {
      for (std::size_t path = begin; path < end; ++path) {
        const std::size_t s = path / P;
        bt::NoTrace none;
        bt::run_path(bars_of(symbols[s]), source_of(signals[s]), params[path % P], symbols[s].bars_per_year,
                     metrics + path * bt::kMetricCount, none);
      }
    }, kPathChunksPerThread);
  }
  if (trace && trace->count > 0) {
    parallel_for(trace->count, 1, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        const std::size_t path = static_cast<std::size_t>(trace->paths[i]);
        const std::size_t s = path / P;
        const bt::SignalSource src = source_of(signals[s]);
        bt::TraceSink sink{trace->trades + i * trace->stride * bt::kTradeFields, trace->stride, 0,
                           trace->equity ? trace->equity + i * trace->stride : nullptr};
        double m[bt::kMetricCount];
        bt::run_path(bars_of(symbols[s]), src, params[path % P], symbols[s].bars_per_year, m, sink);
        trace->trade_counts[i] = sink.count;
        if (trace->signals)
          for (std::size_t t = 0; t < symbols[s].candles.length; ++t)
            trace->signals[i * trace->stride + t] = static_cast<int8_t>(src.side(static_cast<long>(t)));
      }
    });
  }
}

}  // namespace ntp
