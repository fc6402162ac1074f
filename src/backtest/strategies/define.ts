/**
 * What a rule strategy declares: one file per strategy in this folder, listed in index.ts. Its
 * C++ twin is the entry of the same name in native/core/backtest/backtest_strategies.h (same parameters,
 * series and conditions; tests/backtest/strategies.test.ts holds the two tables together).
 *
 * The decision is the same for every strategy (`decideSides`): at the close of bar t, from the
 * warm-up on, +1 when `up` holds at t and did not at t-1, -1 when `down` does; acted on at the
 * open of t+1. Rules carry no stop, targets or size: stop and targets are Infinity (none) unless
 * the backtest options override them, size 1.
 */
import type { Candles } from '../../data/candles.js';

export interface StrategyParam {
  describe: string;
  integer: boolean;
  /** Allowed range, inclusive (the native table's). */
  min: number;
  max: number;
  /** `ntp backtest --strategy NAME` without the flag. */
  default: number;
  /** The sweep.grid key listing the values a sweep tries, and its default list. */
  gridKey: string;
  grid: number[];
}

export interface Strategy<N extends string = string, P extends string = string> {
  /** The one name: config (sweep.strategy), CLI (--strategy), rules' `kind`, labels, the native table. */
  name: N;
  describe: string;
  /** Parameters in the native table's order (also the label's). */
  params: { readonly [K in P]: StrategyParam };
  /** Pairs [a, b] that must hold a < b (grids skip the combinations that do not). */
  below: readonly (readonly [NoInfer<P>, NoInfer<P>])[];
  /** First bar that may decide (the conditions read the bar before too). */
  warmup(p: Readonly<Record<P, number>>): number;
  /** The series the conditions read, from the reference indicators (indicators/plain-reference.ts). */
  series(candles: Candles, p: Readonly<Record<P, number>>): Float64Array[];
  /** The conditions at bar t of the series. */
  up(s: readonly Float64Array[], t: number, p: Readonly<Record<P, number>>): boolean;
  down(s: readonly Float64Array[], t: number, p: Readonly<Record<P, number>>): boolean;
}

export function defineStrategy<const N extends string, const P extends string>(s: Strategy<N, P>): Strategy<N, P> {
  return s;
}

/** The decided side at each close: the one decision of every strategy (see above). */
export function decideSides<P extends string>(strategy: Strategy<string, P>, candles: Candles, p: Readonly<Record<P, number>>): Int8Array {
  const s = strategy.series(candles, p);
  const side = new Int8Array(candles.close.length);
  for (let t = Math.max(1, strategy.warmup(p)); t < side.length; t++) {
    side[t] = Number(strategy.up(s, t, p) && !strategy.up(s, t - 1, p)) - Number(strategy.down(s, t, p) && !strategy.down(s, t - 1, p));
  }
  return side;
}
