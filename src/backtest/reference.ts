/**
 * The TypeScript reference backtester: SPEC §9 executed literally, one bar at a time, for
 * one symbol and one set of options. It is the readable statement of the execution rules;
 * the native engine (native/core/backtest/backtest_step.h) implements the same rules with the same
 * arithmetic and is tested against this file to 1e-9 relative with identical trades.
 *
 * Per bar t (0..N-1):
 *  1. Open: the signal decided at the close of t-1 acts at this open. The side already held
 *     is ignored; an opposite side exits everything at the open (market) and, with
 *     allowReverse, enters the new side at the same open. Flat: enter. A signal on the last
 *     bar therefore never trades.
 *  2. Range, while a position is open (entry bar included, as bar 1 of the holding period),
 *     for a long (shorts mirror): open <= stop exits all at the open (not on the entry bar,
 *     whose open is the entry); low <= stop exits the remainder at the stop; each untouched
 *     target with high >= target fills in tier order. Pessimistic (default): the stop wins
 *     when both are inside the bar; optimistic: targets first, then the stop on what remains.
 *     After tier 1, with breakevenAfterTp1, the stop moves to the entry price, tested from the
 *     next bar.
 *  3. Close: exit at the close when the position has been held maxHoldBars bars, or on the
 *     last bar.
 *  4. Mark equity at the close.
 *
 * Accounting (choices the SPEC leaves open):
 *  - Equity is realised cash plus the open position's side * quantity * (close - entry);
 *    no hypothetical exit costs in the mark.
 *  - Size = realised equity at the entry's open * riskFraction * signal size. When
 *    reversing, that equity is after the old position's exit fill and fee at that open.
 *    Nothing opens with size 0, when equity <= 0, or after a liquidation.
 *  - Liquidation: the liquidation price is where closing the rest of the position leaves zero
 *    equity after the exit fee (cash + side * q * (L - entry) - q * L * fee = 0). A bar after
 *    the entry bar that opens at or beyond it liquidates at the open (before the stop's gap
 *    test); otherwise, when the adverse extreme reaches it and it is nearer than the stop, at
 *    L (pessimistic: tested before the targets, with L as it stood at the open; optimistic:
 *    after them, with L from what they left). Liquidation fills pay the fee, no slippage.
 *  - Market fills: price * (1 +- slippage) against the trade; stops are stop-market orders,
 *    so the stop fill (the stop price, or the open on a gap) pays slippage too. Targets are
 *    limits, filled at their own price even when the bar opens beyond them.
 *  - Fees: feeBps of each fill's notional (quantity * fill price).
 *  - Breakeven moves the stop to the entry fill price (slippage included).
 *  - Tiers 1 and 2 exit fractions[i] of the quantity at entry; tier 3, or an earlier tier
 *    after which the remaining fractions sum to <= 1e-9, exits the remainder.
 */
import type { Candles } from '../data/candles.js';
import { assertCandles } from '../data/candles.js';
import type { SignalArrays } from '../signals/types.js';
import { computeMetrics, inferBarsPerYear } from './metrics.js';
import { assertSignals } from './signals-check.js';
import type { BacktestOptions, BacktestResult, ExitReason, TierExit, Trade } from './types.js';
import { resolveBacktestOptions } from './types.js';

interface OpenPosition {
  side: 1 | -1;
  entryIndex: number;
  entryPrice: number;
  quantity0: number;
  quantity: number;
  notional: number;
  stop: number;
  targets: [number, number, number];
  nextTier: number;
  held: number;
  fees: number;
  pnl: number;
  exitValue: number;
  tierExits: TierExit[];
  /** Liquidation price of what remains (liquidationPrice). */
  liquidation: number;
}

/** Runs one symbol's signals through SPEC §9. Options default to DEFAULT_BACKTEST_OPTIONS. */
export function runReferenceBacktest(candles: Candles, signals: SignalArrays, options: Partial<BacktestOptions> = {}): BacktestResult {
  assertCandles(candles);
  const n = candles.close.length;
  assertSignals(signals, n, 'signals');
  const o = resolveBacktestOptions(options);
  const fee = o.feeBps / 1e4;
  const slip = o.slippageBps / 1e4;
  const barsPerYear = o.barsPerYear ?? inferBarsPerYear(candles.timestamp);
  const { open, high, low, close, timestamp } = candles;

  let cash = o.initialEquity;
  let pos = null as OpenPosition | null; // widened: the closures below reassign it
  let liquidated = false;
  const trades: Trade[] = [];
  const equity = new Float64Array(n);

  const marketPrice = (side: number, price: number): number => price * (1 - side * slip);

  /** One exit fill of `q` units at `px` against the open position. */
  const exitFill = (p: OpenPosition, q: number, px: number): void => {
    const f = q * px * fee;
    const gain = p.side * q * (px - p.entryPrice) - f;
    cash += gain;
    p.pnl += gain;
    p.fees += f;
    p.exitValue += q * px;
    p.quantity -= q;
  };

  /** The price at which closing the rest leaves zero equity after the exit fee; ±Infinity ("never") when none is positive. */
  const liquidationPrice = (p: OpenPosition): number => {
    const den = p.quantity * (p.side - fee);
    const liq = (p.side * p.quantity * p.entryPrice - cash) / den;
    return den * p.side > 0 ? liq : -p.side * Infinity;
  };

  const closeTrade = (p: OpenPosition, px: number, reason: ExitReason, t: number): void => {
    exitFill(p, p.quantity, px);
    trades.push({
      side: p.side,
      entryIndex: p.entryIndex,
      entryTime: timestamp[p.entryIndex],
      entryPrice: p.entryPrice,
      quantity: p.quantity0,
      notional: p.notional,
      exitIndex: t,
      exitTime: timestamp[t],
      exitPrice: p.exitValue / p.quantity0,
      exitReason: reason,
      tierExits: p.tierExits,
      barsHeld: p.held,
      fees: p.fees,
      pnl: p.pnl,
    });
    pos = null;
  };

  const openTrade = (side: 1 | -1, t: number, decidedAt: number): void => {
    const notional = cash * o.riskFraction * signals.size[decidedAt];
    if (!(notional > 0) || liquidated) return;
    const entryPrice = open[t] * (1 + side * slip);
    const f = notional * fee;
    const stopD = o.stopDistance ?? signals.stopDistance[decidedAt];
    const target = (k: 0 | 1 | 2): number => {
      const override = o.targetDistance?.[k];
      const d = override === undefined || Number.isNaN(override) ? signals.targetDistance[k][decidedAt] : override;
      return entryPrice * (1 + side * d);
    };
    pos = {
      side,
      entryIndex: t,
      entryPrice,
      quantity0: notional / entryPrice,
      quantity: notional / entryPrice,
      notional,
      stop: entryPrice * (1 - side * stopD),
      targets: [target(0), target(1), target(2)],
      nextTier: 0,
      held: 0,
      fees: f,
      pnl: -f,
      exitValue: 0,
      tierExits: [],
      liquidation: 0,
    };
    cash -= f;
    pos.liquidation = liquidationPrice(pos);
  };

  const mayOpen = (side: number): boolean => o.direction === 'both' || (o.direction === 'long') === (side > 0);

  /** Fills the untouched targets the bar reached, in tier order; true when the trade closed. */
  const takeTargets = (p: OpenPosition, t: number, favourable: number): boolean => {
    while (p.nextTier < 3 && p.side * favourable >= p.side * p.targets[p.nextTier]) {
      const k = p.nextTier;
      let after = 0;
      for (let j = k + 1; j < 3; j++) after += o.fractions[j];
      p.nextTier = k + 1;
      const final = k === 2 || after <= 1e-9;
      const q = final ? p.quantity : o.fractions[k] * p.quantity0;
      p.tierExits.push({ tier: k + 1, index: t, time: timestamp[t], price: p.targets[k], quantity: q });
      if (final) {
        closeTrade(p, p.targets[k], 'target', t);
        return true;
      }
      exitFill(p, q, p.targets[k]);
      p.liquidation = liquidationPrice(p);
    }
    return false;
  };

  for (let t = 0; t < n; t++) {
    // 1. The signal decided at the close of t-1 acts at this open.
    const sig = t > 0 ? signals.side[t - 1] : 0;
    if (sig !== 0 && (pos === null || pos.side !== sig)) {
      let reversing = false;
      if (pos !== null) {
        closeTrade(pos, marketPrice(pos.side, open[t]), 'signal', t);
        reversing = true;
      }
      if ((!reversing || o.allowReverse) && mayOpen(sig)) openTrade(sig as 1 | -1, t, t - 1);
    }

    // 2. The bar's range against the stop and targets.
    let p = pos as OpenPosition | null;
    if (p !== null) {
      const adverse = p.side > 0 ? low[t] : high[t];
      const favourable = p.side > 0 ? high[t] : low[t];
      const held = p; // narrowed for the closures below
      const liquidate = (px: number): void => {
        liquidated = true;
        closeTrade(held, px, 'liquidation', t);
      };
      if (t !== p.entryIndex && p.side * open[t] <= p.side * p.liquidation) {
        liquidate(open[t]);
      } else if (t !== p.entryIndex && p.side * open[t] <= p.side * p.stop) {
        closeTrade(p, marketPrice(p.side, open[t]), 'stop', t);
      } else {
        p.held += 1; // the bar counts from here: a gap exit at the open does not hold it
        const stopAtOpen = p.stop;
        const stopHit = p.side * adverse <= p.side * stopAtOpen;
        // L reached by the adverse extreme and nearer than the stop (else the stop fills first).
        const liqReached = (): boolean => held.side * adverse <= held.side * held.liquidation && held.side * held.liquidation > held.side * stopAtOpen;
        const optimistic = o.intrabar === 'optimistic';
        const liqFirst = !optimistic && liqReached();
        const tier1Before = p.nextTier > 0;
        let closed = false;
        if (!liqFirst && (optimistic || !stopHit)) closed = takeTargets(p, t, favourable);
        if (!closed && (liqFirst || (optimistic && liqReached()))) liquidate(p.liquidation);
        else if (!closed && stopHit) closeTrade(p, marketPrice(p.side, stopAtOpen), 'stop', t);
        else if (!closed && !tier1Before && p.nextTier > 0 && o.breakevenAfterTp1) p.stop = p.entryPrice;
      }
    }

    // 3. Holding limit and the last bar close at the close.
    p = pos as OpenPosition | null;
    if (p !== null) {
      const holdDone = o.maxHoldBars > 0 && p.held >= o.maxHoldBars;
      if (holdDone || t === n - 1) closeTrade(p, marketPrice(p.side, close[t]), holdDone ? 'maxHold' : 'end', t);
    }

    // 4. Mark to market.
    p = pos as OpenPosition | null;
    equity[t] = p !== null ? cash + p.side * p.quantity * (close[t] - p.entryPrice) : cash;
  }

  return { trades, equity, metrics: computeMetrics(equity, trades, o.initialEquity, barsPerYear), barsPerYear };
}
