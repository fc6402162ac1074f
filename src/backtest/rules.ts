/**
 * Rule strategies as signal arrays, for the reference engine: the TypeScript statement of
 * what the native engine evaluates in native/core/backtest_sources.h (CrossSource, RsiSource)
 * over the indicator conventions of native/core/plain_indicators.h (TypeScript statement in
 * src/indicators/plain-reference.ts):
 *  - EMA: y_0 = x_0, y_t = a x_t + (1-a) y_{t-1}, a = 2/(p+1).
 *  - SMA: mean of the last p values (compensated rolling sum), NaN before p-1.
 *  - RSI: Wilder (a = 1/p) averages of gains/losses seeded at t = 1; 100 G/(G+L), 50 when flat.
 * Signals (decided at close t, acted on at the open of t+1):
 *  - emaCross / smaCross: +1 when fast - slow turns from <= 0 to > 0, -1 when from >= 0 to < 0,
 *    from bar `slow` on.
 *  - rsi: +1 when RSI crosses back up through `lower` (prev < lower <= now), -1 when it crosses
 *    back down through `upper` (prev > upper >= now), from bar period + 1 on.
 * Rules carry no stop, targets or size: stop and targets are Infinity (none) unless the
 * backtest options override them, size 1.
 */
import type { Candles } from '../data/candles.js';
import { emaRef, rsiRef, smaRef } from '../indicators/plain-reference.js';
import type { SignalArrays } from '../signals/types.js';
import type { RuleStrategy } from './native.js';

/** The decided side at each close for `rule` on the closes. */
export function ruleSides(candles: Candles, rule: RuleStrategy): Int8Array {
  const x = candles.close;
  const n = x.length;
  const side = new Int8Array(n);
  if (rule.kind === 'rsi') {
    const r = rsiRef(x, rule.period);
    for (let t = rule.period + 1; t < n; t++) {
      side[t] = Number(r[t - 1] < rule.lower && r[t] >= rule.lower) - Number(r[t - 1] > rule.upper && r[t] <= rule.upper);
    }
    return side;
  }
  const ma = rule.kind === 'emaCross' ? emaRef : smaRef;
  const fast = ma(x, rule.fast), slow = ma(x, rule.slow);
  for (let t = rule.slow; t < n; t++) {
    const d0 = fast[t - 1] - slow[t - 1], d1 = fast[t] - slow[t];
    side[t] = Number(d0 <= 0 && d1 > 0) - Number(d0 >= 0 && d1 < 0);
  }
  return side;
}

/** Signal arrays with the rule's sides, no stop or targets (Infinity) and size 1. */
export function sidesToSignals(side: Int8Array): SignalArrays {
  const n = side.length;
  const inf = (): Float64Array => new Float64Array(n).fill(Infinity);
  return { side, stopDistance: inf(), targetDistance: [inf(), inf(), inf()], size: new Float64Array(n).fill(1) };
}

export function ruleSignals(candles: Candles, rule: RuleStrategy): SignalArrays {
  return sidesToSignals(ruleSides(candles, rule));
}
