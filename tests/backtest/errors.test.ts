/**
 * Bad input is refused before any simulation runs, with an error naming the field, the bad
 * value and what is allowed: by the native binding (its own checks, not the TS wrapper's)
 * and by the TS wrapper and reference engine.
 */
import test from 'ava';

import type { Candles } from '../../src/data/candles.js';
import { nativeAddon } from '../../src/native/addon.js';
import { runNativeBacktest } from '../../src/backtest/native.js';
import { runReferenceBacktest } from '../../src/backtest/reference.js';
import { bars, signalsAt } from './helpers.js';

const N = 6;
const candles = (): Candles => bars(Array.from({ length: N }, () => [100, 101, 99, 100] as [number, number, number, number]));

/** A well-formed raw binding request (what native.ts would build), for corrupting one field at a time. */
function rawRequest(): Record<string, any> {
  const f = (v: number): Float64Array => new Float64Array([v]);
  return {
    symbols: [{ candles: candles(), barsPerYear: 8760, signals: signalsAt(N, [{ t: 1, side: 1 }]) }],
    params: {
      feeBps: f(10), slippageBps: f(5), riskFraction: f(1), fraction1: f(1 / 3), fraction2: f(1 / 3), fraction3: f(1 / 3),
      stopDistance: f(NaN), target1: f(NaN), target2: f(NaN), target3: f(NaN), initialEquity: f(1000),
      maxHoldBars: new Int32Array(1), flags: new Int32Array([2 | 4 | 8 | 16]),
    },
    out: { metrics: new Float64Array(21) },
    device: 'cpu',
  };
}

test('the raw binding accepts a good request', (t) => {
  t.is(nativeAddon().backtestSignals(rawRequest() as never), 'cpu');
});

const bindingCases: [string, (r: Record<string, any>) => void, typeof TypeError | typeof RangeError, RegExp][] = [
  ['mismatched candle lengths', (r) => { r.symbols[0].candles.high = new Float64Array(N - 1); }, RangeError, /candles\.high has length 5, expected 6/],
  ['a NaN price', (r) => { r.symbols[0].candles.low[3] = NaN; }, RangeError, /symbols\[0\]\.candles\.low\[3\] is not finite/],
  ['signals of the wrong length', (r) => { r.symbols[0].signals.size = new Float64Array(N + 1); }, RangeError, /signals\.size has length 7, expected 6/],
  ['a side that is not an Int8Array', (r) => { r.symbols[0].signals.side = new Float64Array(N); }, TypeError, /signals\.side must be a Int8Array \(got Float64Array\)/],
  ['a NaN stop where side != 0', (r) => { r.symbols[0].signals.stopDistance[1] = NaN; }, RangeError, /stopDistance\[1\] = nan must be > 0/],
  ['decreasing targets', (r) => { r.symbols[0].signals.targetDistance[1][1] = 0.001; }, RangeError, /targetDistance\[1\]\[1\] = 0\.001 must be > 0 and >=/],
  ['fractions not summing to 1', (r) => { r.params.fraction1[0] = 0.5; }, RangeError, /fraction1\.\.3\[0\] sum to 1\.166666667.*must sum to 1/],
  ['a negative fee', (r) => { r.params.feeBps[0] = -1; }, RangeError, /params\.feeBps\[0\] = -1 must be finite and >= 0/],
  ['a parameter column of the wrong length', (r) => { r.params.slippageBps = new Float64Array(2); }, RangeError, /params\.slippageBps has length 2, expected 1/],
  ['an empty parameter grid', (r) => { for (const k of Object.keys(r.params)) r.params[k] = r.params[k].subarray(0, 0); }, RangeError, /params\.feeBps is empty/],
  ['unknown flags', (r) => { r.params.flags[0] = 64; }, RangeError, /params\.flags\[0\] = 64/],
  ['no symbols', (r) => { r.symbols = []; }, RangeError, /symbols must not be empty/],
  ['a metrics buffer of the wrong size', (r) => { r.out.metrics = new Float64Array(20); }, RangeError, /out\.metrics has length 20, expected 21/],
  ['a bad device', (r) => { r.device = 'tpu'; }, RangeError, /device must be "auto", "cpu" or "cuda"/],
];

for (const [name, corrupt, type, message] of bindingCases) {
  test(`binding refuses ${name}`, (t) => {
    const r = rawRequest();
    corrupt(r);
    const err = t.throws(() => nativeAddon().backtestSignals(r as never));
    t.true(err instanceof type, `${err?.constructor.name}: ${err?.message}`);
    t.regex(err!.message, message);
  });
}

test('binding refuses a bad rule grid', (t) => {
  const r = rawRequest();
  delete r.symbols[0].signals;
  const { maxParams } = nativeAddon().backtestStrategies;
  const rules = (kind: number, ...params: number[]) => {
    const p = new Float64Array(maxParams);
    p.set(params);
    return { kind: new Int32Array([kind]), params: p };
  };
  t.throws(() => nativeAddon().backtestRules({ ...r, rules: rules(0, 20, 10) } as never), { instanceOf: RangeError, message: /rules\[0\]: fast = 20 must be < slow = 10 \(ema_cross\)/ });
  t.throws(() => nativeAddon().backtestRules({ ...r, rules: rules(0, 2.5, 10) } as never), { instanceOf: RangeError, message: /rules\[0\]\.fast = 2\.5 must be an integer in \[1, 1048576\]/ });
  t.throws(() => nativeAddon().backtestRules({ ...r, rules: rules(7, 5, 10) } as never), { instanceOf: RangeError, message: /rules\[0\]\.kind = 7 must be one of 0 \(ema_cross\), 1 \(sma_cross\)/ });
  t.throws(() => nativeAddon().backtestRules({ ...r, rules: { kind: new Int32Array([0]), params: new Float64Array(maxParams + 1) } } as never), { instanceOf: RangeError, message: /rules\.params/ });
  t.throws(() => nativeAddon().backtestRules({ ...r, rules: { kind: new Int32Array(0), params: new Float64Array(0) } } as never), { instanceOf: RangeError, message: /rules\.kind is empty/ });
});

test('the async binding rejects bad input the same way', async (t) => {
  const r = rawRequest();
  r.params.feeBps[0] = -1;
  t.throws(() => nativeAddon().backtestSignalsAsync(r as never), { instanceOf: RangeError, message: /feeBps\[0\] = -1/ });
});

test('the TS wrapper and the reference name the bad option', (t) => {
  const c = candles();
  const s = signalsAt(N, [{ t: 1, side: 1 }]);
  t.throws(() => runReferenceBacktest(c, s, { fractions: [0.5, 0.3, 0.3] }), { instanceOf: RangeError, message: /fractions sum to 1\.1.*must sum to 1/ });
  t.throws(() => runReferenceBacktest(c, s, { feeBps: -2 }), { instanceOf: RangeError, message: /feeBps = -2 must be a finite number >= 0/ });
  t.throws(() => runReferenceBacktest(c, { ...s, size: new Float64Array(3) }), { instanceOf: RangeError, message: /signals\.size has length 3, expected 6/ });
  t.throws(() => runNativeBacktest({ symbols: [{ candles: c, signals: s }], params: [] }), { instanceOf: RangeError, message: /parameter grid is empty/ });
  t.throws(() => runNativeBacktest({ symbols: [{ candles: c }], rules: [] }), { instanceOf: RangeError, message: /rule grid is empty/ });
  t.throws(() => runNativeBacktest({ symbols: [{ candles: c }], rules: [{ kind: 'ema_cross', fast: 30, slow: 10 }] }), { instanceOf: RangeError, message: /rules\[0\]\.fast = 30 must be < rules\[0\]\.slow = 10/ });
  t.throws(() => runNativeBacktest({ symbols: [{ candles: c, signals: s }], params: [{ intrabar: 'random' as never }] }), { instanceOf: RangeError, message: /params\[0\]\.intrabar = "random"/ });
});
