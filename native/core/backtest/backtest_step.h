// The per-bar position state machine of SPEC §9, shared verbatim by the CPU engine
// (core/backtest.cpp) and the CUDA sweep (cuda/sweep.cu). src/backtest/reference.ts is the
// readable TypeScript statement of the same rules; the two must change together.
//
// Choices the SPEC leaves open (mirrored in reference.ts and documented in the README):
//  - Accounting is margin-style: `cash` is realised equity; an open position adds
//    side * qty * (close - entry) when marked at a close (no hypothetical exit costs).
//  - Size uses realised equity at the moment of entry: when reversing, that is the equity
//    after the old position's exit fill and fee at the same open.
//  - A stop is a stop-market order: its fill (the stop price, or the open when the bar gaps
//    through it) pays slippage. Targets are limit orders filled at their own price, even when
//    the bar opens beyond them (conservative).
//  - The breakeven stop is the entry fill price (slippage included).
//  - The entry bar skips the "open beyond the stop" test (the entry itself is at that open).
//  - Tier k is final when k = 3 or the fractions after it sum to <= 1e-9: it exits the
//    remainder and closes the trade. A tier with fraction 0 still counts as hit (and still
//    triggers breakeven for tier 1).
//  - A signal with size 0, or one for a side the path does not trade (direction), opens
//    nothing, but still closes an opposite position. Nothing opens when equity <= 0.
//  - Liquidation (SPEC §9): liq is the price at which closing the rest of the position leaves
//    zero equity after the exit fee. A bar after the entry bar that opens at or beyond it
//    liquidates at the open; otherwise a bar (entry bar included) whose adverse extreme
//    reaches it liquidates at liq, when liq is nearer than the stop (else the stop fills
//    first). Liquidation fills pay the fee but no slippage (the price is the one that reached
//    it), the reason is kReasonLiquidation, and the path opens nothing afterwards.
//  - When maxHoldBars and the last bar fall on the same close, the reason is maxHold.
//  - Per-bar returns r_t = e_t / e_{t-1} - 1 for t = 1..N-1 (0 when e_{t-1} <= 0).
#pragma once
#include <cmath>
#include <cstdint>

#include "../hd.h"

namespace ntp::bt {

enum ExitReason : int32_t { kReasonStop = 1, kReasonTarget = 2, kReasonSignal = 3, kReasonMaxHold = 4, kReasonEnd = 5,
                          kReasonLiquidation = 6 };
// Their names (code i + 1 is entry i), exported to TypeScript (backtestLayout.exitReasons).
inline constexpr const char* kExitReasonNames[] = {"stop", "target", "signal", "maxHold", "end", "liquidation"};
static_assert(sizeof(kExitReasonNames) / sizeof(kExitReasonNames[0]) == kReasonLiquidation, "one name per ExitReason");

enum PathFlags : int32_t {
  kOptimistic = 1,      // targets before the stop when both are inside one bar
  kBreakeven = 2,       // stop to entry after tier 1
  kAllowReverse = 4,    // an opposite signal also enters the other side
  kAllowLong = 8,
  kAllowShort = 16,
};

// Per-path execution parameters, already in fractions (bps / 1e4).
struct PathParams {
  double fee = 0;            // of notional, each fill
  double slip = 0;           // market fills move this fraction against the trade
  double risk_fraction = 1;  // notional = equity * risk_fraction * size
  double frac[3] = {1.0 / 3, 1.0 / 3, 1.0 / 3};  // of the initial quantity, tiers 1..3
  double stop_override = NAN;                    // finite or +inf: replaces the signal's stop distance
  double target_override[3] = {NAN, NAN, NAN};   // same for the target distances
  double initial_equity = 10000;
  int32_t max_hold = 0;      // bars, 0 = no limit
  int32_t flags = kBreakeven | kAllowReverse | kAllowLong | kAllowShort;
};

// One decided signal (bar t) as the state machine consumes it at the open of t+1.
struct SignalLevels {
  double stop;       // distance, fraction of entry
  double target[3];  // distances, fractions of entry
  double size;       // multiplier in [0, 1]
};

// Record layout of one trade in a trace buffer (doubles); the TypeScript wrapper reads it.
enum TradeField : int32_t {
  kTEntryIndex = 0, kTExitIndex, kTSide, kTEntryPrice, kTExitPrice, kTQuantity, kTNotional,
  kTReason, kTFees, kTPnl, kTBarsHeld,
  kTTierIndex = 11,    // 3 fields: bar of each tier fill, -1 when not hit
  kTTierPrice = 14,    // 3 fields: fill price (NaN when not hit)
  kTTierQty = 17,      // 3 fields: quantity exited
  kTradeFields = 20,
};

// Summary metrics, in this order, and their names, exported to TypeScript
// (backtestLayout.metricNames; tests check src/backtest/metrics.ts METRIC_NAMES against them).
enum Metric : int32_t {
  kMTotalReturn = 0, kMCagr, kMAnnVol, kMSharpe, kMSortino, kMMaxDrawdown, kMMaxDrawdownBars,
  kMCalmar, kMTrades, kMWinRate, kMProfitFactor, kMAvgWin, kMAvgLoss, kMExpectancy, kMExposure,
  kMFees, kMTier1Hits, kMTier2Hits, kMTier3Hits, kMStopOuts, kMFinalEquity, kMetricCount,
};
inline constexpr const char* kMetricNames[] = {
    "totalReturn", "cagr", "annualVolatility", "sharpe", "sortino", "maxDrawdown", "maxDrawdownBars", "calmar",
    "trades", "winRate", "profitFactor", "avgWin", "avgLoss", "expectancy", "exposure", "feesPaid", "tier1Hits",
    "tier2Hits", "tier3Hits", "stopOuts", "finalEquity"};
static_assert(sizeof(kMetricNames) / sizeof(kMetricNames[0]) == kMetricCount, "one name per Metric");

// Everything one path carries from bar to bar: the open position, the trade being built,
// and the streaming metric accumulators (no equity curve needed).
struct PathState {
  // position
  int32_t side = 0;       // +1 long, -1 short, 0 flat
  int32_t next_tier = 0;  // 0..2: first tier not yet filled
  int32_t held = 0;       // bars the position has been tested on (entry bar = 1)
  int32_t entry_index = 0;
  double cash = 0;        // realised equity
  double qty0 = 0, qty = 0, entry = 0, stop = 0, target[3] = {0, 0, 0};
  double liq = 0;           // liquidation price of the open position (see liquidation_price)
  bool liquidated = false;  // once liquidated, the path opens nothing more
  // trade being built
  double notional = 0, fees = 0, pnl = 0, exit_value = 0;
  int32_t tier_index[3] = {-1, -1, -1};
  double tier_qty[3] = {0, 0, 0};
  // metrics
  double prev_equity = 0, peak = 0, max_dd = 0;
  double sum_r = 0, sum_r2 = 0, sum_down2 = 0;
  int32_t dd_run = 0, max_dd_run = 0, exposure_bars = 0;
  int32_t trades = 0, wins = 0, losses = 0, stop_outs = 0, tier_hits[3] = {0, 0, 0};
  double gross_profit = 0, gross_loss = 0, total_fees = 0;
};

// A sink that ignores trades (summary-only runs compile the trace writes away).
struct NoTrace {
  NTP_HD void trade(const PathState&, int32_t, int32_t) {}
  NTP_HD void equity(long, double) {}
};

NTP_HD void init_state(PathState& s, const PathParams& p) {
  s = PathState();
  s.cash = p.initial_equity;
  s.prev_equity = p.initial_equity;
  s.peak = p.initial_equity;
}

// Records one fill of `q` units at `px` (fee on its notional) against the open position.
NTP_HD void fill(PathState& s, const PathParams& p, double q, double px) {
  const double fee = q * px * p.fee;
  const double gain = s.side * q * (px - s.entry) - fee;
  s.cash += gain;
  s.pnl += gain;
  s.fees += fee;
  s.exit_value += q * px;
  s.qty -= q;
}

// The price at which closing the remaining qty leaves zero equity after the exit fee:
// cash + side * qty * (liq - entry) - qty * liq * fee = 0. Side-signed +inf ("never": a long
// never reaches -inf) when no finite positive price solves it (fee >= 100% on a long).
NTP_HD double liquidation_price(const PathState& s, const PathParams& p) {
  const double den = s.qty * (s.side - p.fee);
  const double liq = (s.side * s.qty * s.entry - s.cash) / den;
  return den * s.side > 0 ? liq : -s.side * INFINITY;
}

// Closes what remains at `px` and books the finished trade.
template <class Sink>
NTP_HD void close_trade(PathState& s, const PathParams& p, double px, int32_t reason, long t, Sink& sink) {
  fill(s, p, s.qty, px);
  s.qty = 0;
  s.trades += 1;
  s.wins += s.pnl > 0 ? 1 : 0;
  s.losses += s.pnl < 0 ? 1 : 0;
  s.gross_profit += s.pnl > 0 ? s.pnl : 0;
  s.gross_loss += s.pnl < 0 ? -s.pnl : 0;
  s.total_fees += s.fees;
  s.stop_outs += reason == kReasonStop ? 1 : 0;
  sink.trade(s, static_cast<int32_t>(t), reason);
  s.side = 0;
}

// NaN test that behaves the same in host and device code (no std:: overload needed).
NTP_HD bool is_nan(double x) { return x != x; }

NTP_HD double market_fill(int32_t side_exiting, double px, double slip) {
  return px * (1.0 - side_exiting * slip);
}

// Opens `side` at bar t's open with the decided signal's levels (path overrides win).
NTP_HD void open_trade(PathState& s, const PathParams& p, int32_t side, long t, double open,
                       const SignalLevels& lv) {
  const double notional = s.cash * p.risk_fraction * lv.size;
  if (!(notional > 0) || s.liquidated) return;
  const double entry = open * (1.0 + side * p.slip);
  const double fee = notional * p.fee;
  const double stop_d = is_nan(p.stop_override) ? lv.stop : p.stop_override;
  s.side = side;
  s.entry = entry;
  s.qty0 = s.qty = notional / entry;
  s.stop = entry * (1.0 - side * stop_d);
  for (int k = 0; k < 3; ++k) {
    const double d = is_nan(p.target_override[k]) ? lv.target[k] : p.target_override[k];
    s.target[k] = entry * (1.0 + side * d);
    s.tier_index[k] = -1;
    s.tier_qty[k] = 0;
  }
  s.next_tier = 0;
  s.held = 0;
  s.entry_index = static_cast<int32_t>(t);
  s.notional = notional;
  s.fees = fee;
  s.pnl = -fee;
  s.exit_value = 0;
  s.cash -= fee;
  s.liq = liquidation_price(s, p);
}

// The signal decided at the close of t-1 (side `sig` != 0), acted on at bar t's open.
template <class Sink>
NTP_HD void on_signal(PathState& s, const PathParams& p, int32_t sig, long t, double open,
                      const SignalLevels& lv, Sink& sink) {
  if (s.side == sig) return;  // same side already held: ignored
  bool may_open = true;
  if (s.side != 0) {
    close_trade(s, p, market_fill(s.side, open, p.slip), kReasonSignal, t, sink);
    may_open = (p.flags & kAllowReverse) != 0;
  }
  const bool allowed = (p.flags & (sig > 0 ? kAllowLong : kAllowShort)) != 0;
  if (may_open && allowed) open_trade(s, p, sig, t, open, lv);
}

// Tier k's target (k in 0..2), side-signed infinity ("never") past the last; chosen by
// comparisons, not an index, for the reason take_targets gives.
NTP_HD double tier_target(const PathState& s, int k) {
  return k == 0 ? s.target[0] : k == 1 ? s.target[1] : k == 2 ? s.target[2] : s.side * INFINITY;
}

// Tier K when the bar's favourable extreme reaches its target: fills part of the position,
// or, for the final tier, records the rest for the caller to close at the target.
enum class TierFill { kNotReached, kPartial, kFinal };
template <int K>
NTP_HD TierFill take_tier(PathState& s, const PathParams& p, long t, double fav, bool& tier1_now) {
  const double sd = s.side;
  if (!(sd * fav >= sd * s.target[K])) return TierFill::kNotReached;
  double after = 0;  // fraction of the initial size the later tiers still hold
  for (int j = K + 1; j < 3; ++j) after += p.frac[j];
  s.tier_index[K] = static_cast<int32_t>(t);
  s.tier_hits[K] += 1;
  tier1_now = tier1_now || K == 0;
  s.next_tier = K + 1;
  if (K == 2 || after <= 1e-9) {
    s.tier_qty[K] = s.qty;
    return TierFill::kFinal;
  }
  const double q = p.frac[K] * s.qty0;
  s.tier_qty[K] = q;
  fill(s, p, q, s.target[K]);
  s.liq = liquidation_price(s, p);
  return TierFill::kPartial;
}

// Fills untouched targets reached by the bar's favourable extreme, in tier order. Returns
// true when the final tier closed the trade. Each tier has its own instance (constant
// indices): indexing the state's arrays by next_tier would put the whole PathState in a GPU
// thread's local memory instead of its registers.
template <class Sink>
NTP_HD bool take_targets(PathState& s, const PathParams& p, long t, double fav, bool& tier1_now, Sink& sink) {
  TierFill r = TierFill::kPartial;
  if (s.next_tier == 0) r = take_tier<0>(s, p, t, fav, tier1_now);
  if (r == TierFill::kPartial && s.next_tier == 1) r = take_tier<1>(s, p, t, fav, tier1_now);
  if (r == TierFill::kPartial && s.next_tier == 2) r = take_tier<2>(s, p, t, fav, tier1_now);
  if (r != TierFill::kFinal) return false;
  close_trade(s, p, tier_target(s, s.next_tier - 1), kReasonTarget, t, sink);  // the final tier's price
  return true;
}

// Tests bar t's range against the liquidation price, the stop and the targets (SPEC §9
// intrabar rules; shorts mirror by comparing side-signed prices, which is exact for side = +-1).
template <class Sink>
NTP_HD void intrabar(PathState& s, const PathParams& p, long t, double open, double high, double low,
                     Sink& sink) {
  const double sd = s.side;
  const double adverse = s.side > 0 ? low : high;
  const double fav = s.side > 0 ? high : low;
  const bool entry_bar = s.entry_index == t;
  if (!entry_bar && sd * open <= sd * s.liq) {
    s.liquidated = true;
    close_trade(s, p, open, kReasonLiquidation, t, sink);
    return;  // gone at the open: this bar is not held
  }
  if (!entry_bar && sd * open <= sd * s.stop) {
    close_trade(s, p, market_fill(s.side, open, p.slip), kReasonStop, t, sink);
    return;
  }
  s.held += 1;
  s.exposure_bars += 1;
  const double stop_at_open = s.stop;  // a stop moved inside this bar waits for the next one
  bool tier1_now = false;
  const bool stop_hit = sd * adverse <= sd * stop_at_open;
  // Pessimistic: the adverse extreme comes first, so the liquidation price as it stands at
  // the open; optimistic: after the targets, from what they left.
  const bool optimistic = (p.flags & kOptimistic) != 0;
  const bool liq_first = !optimistic && sd * adverse <= sd * s.liq && sd * s.liq > sd * stop_at_open;
  if (!liq_first && (optimistic || !stop_hit)) {
    if (take_targets(s, p, t, fav, tier1_now, sink)) return;
  }
  if (liq_first || (optimistic && sd * adverse <= sd * s.liq && sd * s.liq > sd * stop_at_open)) {
    s.liquidated = true;
    close_trade(s, p, s.liq, kReasonLiquidation, t, sink);
    return;
  }
  if (stop_hit) {
    close_trade(s, p, market_fill(s.side, stop_at_open, p.slip), kReasonStop, t, sink);
    return;
  }
  if (tier1_now && (p.flags & kBreakeven) != 0) s.stop = s.entry;
}

// The first unfilled tier's target, side-signed infinity ("never") when all are filled.
NTP_HD double next_target(const PathState& s) { return tier_target(s, s.next_tier); }

// Closes at bar t's close when the holding limit is reached or t is the last bar.
template <class Sink>
NTP_HD void at_close(PathState& s, const PathParams& p, long t, double close, bool last, Sink& sink) {
  if (s.side == 0) return;
  const bool hold_done = p.max_hold > 0 && s.held >= p.max_hold;
  if (hold_done || last)
    close_trade(s, p, market_fill(s.side, close, p.slip), hold_done ? kReasonMaxHold : kReasonEnd, t, sink);
}

// Marks equity at bar t's close and updates the streaming return/drawdown accumulators.
NTP_HD double mark(PathState& s, long t, double close) {
  const double eq = s.side != 0 ? s.cash + s.side * s.qty * (close - s.entry) : s.cash;
  if (t > 0) {
    const double r = s.prev_equity > 0 ? eq / s.prev_equity - 1.0 : 0.0;
    s.sum_r += r;
    s.sum_r2 += r * r;
    s.sum_down2 += r < 0 ? r * r : 0.0;
  }
  s.prev_equity = eq;
  if (eq >= s.peak) {
    s.peak = eq;
    s.dd_run = 0;
  } else {
    const double dd = (s.peak - eq) / s.peak;
    s.max_dd = dd > s.max_dd ? dd : s.max_dd;
    s.dd_run += 1;
    s.max_dd_run = s.dd_run > s.max_dd_run ? s.dd_run : s.max_dd_run;
  }
  return eq;
}

// Ratio with the conventions used for every metric: 0/0 = 0, x/0 = +-inf.
NTP_HD double ratio(double num, double den) {
  if (den != 0) return num / den;
  return num == 0 ? 0.0 : (num > 0 ? INFINITY : -INFINITY);
}

// Summary metrics from the accumulators after the last bar (n bars, n-1 returns).
NTP_HD void finalize(const PathState& s, const PathParams& p, long n, double bars_per_year, double* m) {
  const double final_eq = s.prev_equity;
  const double growth = final_eq / p.initial_equity;
  const double nr = n > 1 ? static_cast<double>(n - 1) : 0.0;
  const double mean = nr > 0 ? s.sum_r / nr : 0.0;
  // Sample variance from the streaming sums (clamped: rounding can make it slightly negative).
  double var = nr > 1 ? (s.sum_r2 - nr * mean * mean) / (nr - 1.0) : 0.0;
  var = var > 0 ? var : 0.0;
  const double sd = sqrt(var);
  const double down = nr > 0 ? sqrt(s.sum_down2 / nr) : 0.0;
  const double ann = sqrt(bars_per_year);
  const double years = nr / bars_per_year;
  const double cagr = growth <= 0 ? -1.0 : (years > 0 ? pow(growth, 1.0 / years) - 1.0 : 0.0);
  m[kMTotalReturn] = growth - 1.0;
  m[kMCagr] = cagr;
  m[kMAnnVol] = sd * ann;
  m[kMSharpe] = sd > 0 ? mean / sd * ann : 0.0;
  m[kMSortino] = ratio(mean, down) * ann;
  m[kMMaxDrawdown] = s.max_dd;
  m[kMMaxDrawdownBars] = s.max_dd_run;
  m[kMCalmar] = ratio(cagr, s.max_dd);
  m[kMTrades] = s.trades;
  m[kMWinRate] = s.trades > 0 ? static_cast<double>(s.wins) / s.trades : 0.0;
  m[kMProfitFactor] = ratio(s.gross_profit, s.gross_loss);
  m[kMAvgWin] = s.wins > 0 ? s.gross_profit / s.wins : 0.0;
  m[kMAvgLoss] = s.losses > 0 ? -s.gross_loss / s.losses : 0.0;
  m[kMExpectancy] = s.trades > 0 ? (s.gross_profit - s.gross_loss) / s.trades : 0.0;
  m[kMExposure] = n > 0 ? static_cast<double>(s.exposure_bars) / n : 0.0;
  m[kMFees] = s.total_fees;
  m[kMTier1Hits] = s.tier_hits[0];
  m[kMTier2Hits] = s.tier_hits[1];
  m[kMTier3Hits] = s.tier_hits[2];
  m[kMStopOuts] = s.stop_outs;
  m[kMFinalEquity] = final_eq;
}

// Bars of one symbol as a path reads them.
struct Bars {
  const double *open, *high, *low, *close;
  long n;
};

// Marks the flat bars [t, end): the first like any bar (it may follow an exit at its open),
// the rest hold the same equity, so their returns are exactly 0 and only the time under water
// grows. Equivalent to calling mark() on each.
template <class Sink>
NTP_HD void mark_flat_run(PathState& s, long t, long end, Sink& sink) {
  if (end <= t) return;
  sink.equity(t, mark(s, t, 0.0));
  const long rest = end - t - 1;
  if (rest > 0 && s.cash < s.peak) {
    s.dd_run += static_cast<int32_t>(rest);
    s.max_dd_run = s.dd_run > s.max_dd_run ? s.dd_run : s.max_dd_run;
  }
  for (long k = t + 1; k < end; ++k) sink.equity(k, s.cash);
}

// Bars [t, end) on which the open position can only be marked: no signal acts at their open,
// the bar's open and range touch neither the stop, the liquidation price nor the next target, the holding limit is
// not reached and the bar is not the last (the caller bounds `end` by those). Returns the
// first bar that needs the full step (the one that touched a level), or `end`.
template <class Sink>
NTP_HD long quiet_bars(PathState& s, const Bars& b, long t, long end, Sink& sink) {
  const double sd = s.side;
  const double stop = sd * s.stop > sd * s.liq ? sd * s.stop : sd * s.liq;  // the nearer exit level
  const double target = sd * next_target(s);
  const double* adverse = s.side > 0 ? b.low : b.high;
  const double* fav = s.side > 0 ? b.high : b.low;
  // The accumulators live in locals for the run: stores into `s` could alias the price
  // arrays and would force a reload of every one of them on every bar.
  const double cash = s.cash, sq = s.side * s.qty, entry = s.entry;
  double prev = s.prev_equity, peak = s.peak, max_dd = s.max_dd;
  double sum_r = s.sum_r, sum_r2 = s.sum_r2, sum_down2 = s.sum_down2;
  int32_t dd_run = s.dd_run, max_dd_run = s.max_dd_run;
  const long start = t;
  for (; t < end; ++t) {
    const double o = b.open[t], a = adverse[t];  // the worse of the open and the adverse extreme
    const double worst = s.side > 0 ? (o < a ? o : a) : (o > a ? o : a);
    if (sd * worst <= stop || sd * fav[t] >= target) break;
    // mark(), specialised: a position is open and t > 0 (the entry bar came before).
    const double eq = cash + sq * (b.close[t] - entry);
    const double r = prev > 0 ? eq / prev - 1.0 : 0.0;
    sum_r += r;
    sum_r2 += r * r;
    sum_down2 += r < 0 ? r * r : 0.0;
    prev = eq;
    // The peak bookkeeping of mark() without its hard-to-predict branch; the exact drawdown
    // division runs only for bars within 1e-12 of the current worst-drawdown line (far wider
    // than rounding), so max_dd ends bit-identical to mark()'s.
    const bool new_peak = eq >= peak;
    peak = new_peak ? eq : peak;
    dd_run = new_peak ? 0 : dd_run + 1;
    max_dd_run = dd_run > max_dd_run ? dd_run : max_dd_run;
    if (!new_peak && eq < peak * ((1.0 - max_dd) + 1e-12)) {
      const double dd = (peak - eq) / peak;
      max_dd = dd > max_dd ? dd : max_dd;
    }
    sink.equity(t, eq);
  }
  const int32_t bars = static_cast<int32_t>(t - start);
  s.held += bars;
  s.exposure_bars += bars;
  s.prev_equity = prev;
  s.peak = peak;
  s.max_dd = max_dd;
  s.sum_r = sum_r;
  s.sum_r2 = sum_r2;
  s.sum_down2 = sum_down2;
  s.dd_run = dd_run;
  s.max_dd_run = max_dd_run;
  return t;
}

}  // namespace ntp::bt
