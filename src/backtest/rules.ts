/**
 * Rule strategies as signal arrays, for the reference engine: the TypeScript statement of
 * what the native engine evaluates in native/core/backtest_sources.h (CrossSource, RsiSource)
 * over the indicator conventions of native/core/plain_indicators.h:
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
import type { SignalArrays } from '../signals/types.js';
import type { RuleStrategy } from './native.js';

export function emaSeries(x: Float64Array, period: number): Float64Array {
  const a = 2 / (period + 1);
  const out = new Float64Array(x.length);
  let y = 0;
  for (let t = 0; t < x.length; t++) {
    y = t === 0 ? x[t] : a * x[t] + (1 - a) * y;
    out[t] = y;
  }
  return out;
}

export function smaSeries(x: Float64Array, period: number): Float64Array {
  const out = new Float64Array(x.length);
  // Kahan-Babuska rolling sum, as the native sma_series, so both round alike.
  let sum = 0, comp = 0;
  const add = (v: number): void => {
    const t = sum + v;
    comp += Math.abs(sum) >= Math.abs(v) ? (sum - t) + v : (v - t) + sum;
    sum = t;
  };
  for (let t = 0; t < x.length; t++) {
    add(x[t]);
    if (t >= period) add(-x[t - period]);
    out[t] = t + 1 >= period ? (sum + comp) / period : NaN;
  }
  return out;
}

export function rsiSeries(x: Float64Array, period: number): Float64Array {
  const a = 1 / period;
  const out = new Float64Array(x.length);
  if (x.length === 0) return out;
  out[0] = NaN;
  let g = 0, l = 0;
  for (let t = 1; t < x.length; t++) {
    const d = x[t] - x[t - 1];
    const gain = d > 0 ? d : 0, loss = d < 0 ? -d : 0;
    g = t === 1 ? gain : a * gain + (1 - a) * g;
    l = t === 1 ? loss : a * loss + (1 - a) * l;
    out[t] = Number.isNaN(d) ? NaN : g + l === 0 ? 50 : (100 * g) / (g + l);
  }
  return out;
}

/** The decided side at each close for `rule` on the closes. */
export function ruleSides(candles: Candles, rule: RuleStrategy): Int8Array {
  const x = candles.close;
  const n = x.length;
  const side = new Int8Array(n);
  if (rule.kind === 'rsi') {
    const r = rsiSeries(x, rule.period);
    for (let t = rule.period + 1; t < n; t++) {
      side[t] = Number(r[t - 1] < rule.lower && r[t] >= rule.lower) - Number(r[t - 1] > rule.upper && r[t] <= rule.upper);
    }
    return side;
  }
  const ma = rule.kind === 'emaCross' ? emaSeries : smaSeries;
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
