/**
 * Backtest options, trade records and results shared by the TypeScript reference engine
 * (reference.ts) and the native engine wrapper (native.ts). SPEC §9 fixes the execution
 * rules; the choices it leaves open are documented on the fields below and in
 * native/core/backtest/backtest_step.h, which implements the same rules for the native engine.
 */
import type { BacktestMetrics } from './metrics.js';

export type IntrabarMode = 'pessimistic' | 'optimistic';
/** Which sides a path may open. A signal for a side it may not open still closes an opposite position. */
export type TradeDirection = 'both' | 'long' | 'short';
export type ExitReason = 'stop' | 'target' | 'signal' | 'maxHold' | 'end' | 'liquidation';

/** Native reason codes (backtest_step.h ExitReason) in order, starting at 1. */
export const EXIT_REASONS: readonly ExitReason[] = ['stop', 'target', 'signal', 'maxHold', 'end', 'liquidation'];

export interface BacktestOptions {
  /** Starting equity (quote currency). */
  initialEquity: number;
  /** Notional at entry = equity * riskFraction * signal size; > 0 (values above 1 are leverage). */
  riskFraction: number;
  /** Fee in basis points of each fill's notional, entry and every exit. */
  feeBps: number;
  /** Market fills (entries, signal/maxHold/end exits, stops) move this many bps against the trade. */
  slippageBps: number;
  /** Which fills first when the stop and a target are both inside one bar. */
  intrabar: IntrabarMode;
  /** Move the stop to the entry fill price after tier 1 fills (tested from the next bar). */
  breakevenAfterTp1: boolean;
  /** Fractions of the size at entry exited by tiers 1, 2, 3; they must sum to 1 (tolerance 1e-9). Tier 3 exits the remainder. */
  fractions: [number, number, number];
  /** An opposite signal exits at the next open and, when true, enters the other side there too. */
  allowReverse: boolean;
  /** Exit at the close of the bar on which the position has been held this many bars (entry bar = 1); 0 = no limit. */
  maxHoldBars: number;
  direction: TradeDirection;
  /** Overrides every signal's stop distance (fraction of entry; Infinity = no stop). Undefined: the signal's. */
  stopDistance?: number;
  /** Overrides the signals' target distances per tier (fraction of entry; Infinity = no target; NaN or undefined: the signal's). */
  targetDistance?: [number, number, number];
  /**
   * Bars per year for annualising CAGR, volatility, Sharpe and Sortino. Undefined: inferred
   * from the median timestamp spacing over a 365-day year (crypto trades every day; pass
   * 252 for daily equities).
   */
  barsPerYear?: number;
}

export const DEFAULT_BACKTEST_OPTIONS: Readonly<BacktestOptions> = Object.freeze({
  initialEquity: 10_000,
  riskFraction: 1,
  feeBps: 10,
  slippageBps: 5,
  intrabar: 'pessimistic',
  breakevenAfterTp1: true,
  fractions: [1 / 3, 1 / 3, 1 / 3] as [number, number, number],
  allowReverse: true,
  maxHoldBars: 0,
  direction: 'both',
});

export interface TierExit {
  /** 1, 2 or 3. */
  tier: number;
  index: number;
  time: number;
  /** The target price (limit fill). */
  price: number;
  quantity: number;
}

export interface Trade {
  side: 1 | -1;
  entryIndex: number;
  entryTime: number;
  /** Entry fill price (open moved by slippage). */
  entryPrice: number;
  /** Units bought or sold short at entry. */
  quantity: number;
  /** entryPrice * quantity = equity * riskFraction * size at entry. */
  notional: number;
  exitIndex: number;
  exitTime: number;
  /** Quantity-weighted average of every exit fill (tiers included). */
  exitPrice: number;
  /** What closed the last of the position. */
  exitReason: ExitReason;
  tierExits: TierExit[];
  /** Bars the position was tested on, entry bar = 1 (an exit at an open does not count that bar). */
  barsHeld: number;
  /** Entry fee plus every exit fee. */
  fees: number;
  /** Net of all fees. */
  pnl: number;
}

export interface BacktestResult {
  trades: Trade[];
  /** Marked equity at each close: realised equity + side * quantity * (close - entry). */
  equity: Float64Array;
  metrics: BacktestMetrics;
  barsPerYear: number;
}

/** Options over DEFAULT_BACKTEST_OPTIONS, checked: RangeError/TypeError naming the option, the bad value and what is allowed. */
export function resolveBacktestOptions(options: Partial<BacktestOptions> = {}, where = 'backtest options'): BacktestOptions {
  if (options === null || typeof options !== 'object') throw new TypeError(`${where} must be an object (got ${options === null ? 'null' : typeof options})`);
  const o: BacktestOptions = { ...DEFAULT_BACKTEST_OPTIONS, fractions: [...DEFAULT_BACKTEST_OPTIONS.fractions], ...stripUndefined(options) };
  const num = (key: keyof BacktestOptions, ok: (v: number) => boolean, allowed: string): void => {
    const v = o[key];
    if (typeof v !== 'number') throw new TypeError(`${where}.${key} must be a number (got ${typeof v})`);
    if (!ok(v)) throw new RangeError(`${where}.${key} = ${v} ${allowed}`);
  };
  num('initialEquity', (v) => Number.isFinite(v) && v > 0, 'must be a finite number > 0');
  num('riskFraction', (v) => Number.isFinite(v) && v > 0, 'must be a finite number > 0');
  num('feeBps', (v) => Number.isFinite(v) && v >= 0, 'must be a finite number >= 0');
  num('slippageBps', (v) => Number.isFinite(v) && v >= 0 && v < 10_000, 'must be in [0, 10000)');
  num('maxHoldBars', (v) => Number.isInteger(v) && v >= 0 && v <= 2 ** 31 - 1, 'must be an integer >= 0 (0 = no limit)');
  if (o.intrabar !== 'pessimistic' && o.intrabar !== 'optimistic') {
    throw new RangeError(`${where}.intrabar = ${JSON.stringify(o.intrabar)} must be "pessimistic" or "optimistic"`);
  }
  if (o.direction !== 'both' && o.direction !== 'long' && o.direction !== 'short') {
    throw new RangeError(`${where}.direction = ${JSON.stringify(o.direction)} must be "both", "long" or "short"`);
  }
  for (const key of ['breakevenAfterTp1', 'allowReverse'] as const) {
    if (typeof o[key] !== 'boolean') throw new TypeError(`${where}.${key} must be a boolean (got ${typeof o[key]})`);
  }
  if (!Array.isArray(o.fractions) || o.fractions.length !== 3) throw new TypeError(`${where}.fractions must be an array of 3 numbers`);
  o.fractions.forEach((f, i) => {
    if (typeof f !== 'number' || !Number.isFinite(f) || f < 0) throw new RangeError(`${where}.fractions[${i}] = ${f} must be a finite number >= 0`);
  });
  const sum = o.fractions[0] + o.fractions[1] + o.fractions[2];
  if (Math.abs(sum - 1) > 1e-9) throw new RangeError(`${where}.fractions sum to ${sum}; they must sum to 1 (tolerance 1e-9)`);
  if (o.stopDistance !== undefined && !(o.stopDistance > 0)) {
    throw new RangeError(`${where}.stopDistance = ${o.stopDistance} must be > 0 (Infinity: no stop)`);
  }
  if (o.targetDistance !== undefined) {
    if (!Array.isArray(o.targetDistance) || o.targetDistance.length !== 3) throw new TypeError(`${where}.targetDistance must be an array of 3 numbers`);
    let prev = 0;
    o.targetDistance.forEach((d, i) => {
      if (Number.isNaN(d)) return;
      if (!(d > 0) || d < prev) throw new RangeError(`${where}.targetDistance[${i}] = ${d} must be > 0 and >= the lower tiers' (Infinity: no target; NaN: the signal's)`);
      prev = d;
    });
  }
  if (o.barsPerYear !== undefined && !(Number.isFinite(o.barsPerYear) && o.barsPerYear > 0)) {
    throw new RangeError(`${where}.barsPerYear = ${o.barsPerYear} must be a finite number > 0`);
  }
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
