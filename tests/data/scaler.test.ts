import test from 'ava';

import { sliceCandles } from '../../src/data/candles.js';
import { DEFAULT_FEATURES } from '../../src/data/features.js';
import { assertNoLeakage, fitScaler, scalerFromJson, scalerToJson, scaleTargets } from '../../src/data/scaler.js';
import { chronologicalSplit, rangeEnds } from '../../src/data/splits.js';
import { syntheticMarket } from '../../src/data/synthetic.js';
import { buildWindows } from '../../src/data/windowing.js';
import { loadMarketData } from '../helpers/market-data.js';
import { randomCandles } from '../helpers/random-candles.js';
import { referenceBarFeature } from '../helpers/windowing-reference.js';

const T = 16;
const horizons = [1, 4];

test('standard scaler: mean/std of exactly the bars the training windows contain', (t) => {
  const c = randomCandles(400, 21);
  const split = chronologicalSplit(400, { lookback: T, horizons });
  const s = fitScaler([{ candles: c, ends: rangeEnds(split.train) }], { lookback: T, horizons, features: ['log_return', 'log_range'] });
  const rows: number[] = [];
  for (let r = split.train.start - T + 1; r < split.train.end; r++) rows.push(r);
  ['log_return', 'log_range'].forEach((name, f) => {
    const x = rows.map((r) => referenceBarFeature(name, c, r));
    const m = x.reduce((a, b) => a + b, 0) / x.length;
    const sd = Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / x.length);
    t.true(Math.abs(s.center[f] - m) < 1e-12, name);
    t.true(Math.abs(s.scale[f] - sd) < 1e-12, name);
  });
  t.deepEqual(s.fitRows, [{ symbol: '', first: split.train.start - T, last: split.train.end - 1 + 4 }]);
  // Target std: ln(c[e+h]/c[e]) over training ends.
  const y = Array.from(rangeEnds(split.train), (e) => Math.log(c.close[e + 4] / c.close[e]));
  const m = y.reduce((a, b) => a + b, 0) / y.length;
  t.true(Math.abs(s.targetStd[1] - Math.sqrt(y.reduce((a, b) => a + (b - m) ** 2, 0) / y.length)) < 1e-12);
});

test('scaled windows on training data are roughly standardised', (t) => {
  const { candles } = loadMarketData('ETHUSDT-1h');
  const c = sliceCandles(candles, 20000, 26000);
  const split = chronologicalSplit(c.close.length, { lookback: 64, horizons: [1, 4, 12] });
  const s = fitScaler([{ candles: c, ends: rangeEnds(split.train) }], { lookback: 64, horizons: [1, 4, 12], kind: 'robust' });
  const w = buildWindows(c, { lookback: 64, ends: rangeEnds(split.train), scaler: s });
  // Median of each scaled feature over the last row of every window is near 0 (robust centre).
  for (let f = 0; f < w.F; f++) {
    const last = Array.from({ length: w.n }, (_, i) => w.features[(i * 64 + 63) * w.F + f]).sort((a, b) => a - b);
    t.true(Math.abs(last[last.length >> 1]) < 0.1, `${DEFAULT_FEATURES[f]} median ${last[last.length >> 1]}`);
  }
  const targets = scaleTargets(w.targets.slice(), s);
  const h1 = Array.from({ length: w.n }, (_, i) => targets[i * 3 + 1]);
  const sd = Math.sqrt(h1.reduce((a, b) => a + b * b, 0) / h1.length);
  t.true(sd > 0.9 && sd < 1.1, `scaled target std ${sd}`);
});

test('JSON round trip gives an identical scaler; bad JSON names the key', (t) => {
  const c = randomCandles(300, 22);
  const split = chronologicalSplit(300, { lookback: T, horizons });
  const s = fitScaler([{ candles: c, ends: rangeEnds(split.train) }], { lookback: T, horizons, kind: 'robust' });
  const back = scalerFromJson(JSON.parse(JSON.stringify(scalerToJson(s))));
  t.deepEqual(back, s);
  const json = scalerToJson(s);
  t.throws(() => scalerFromJson({ ...json, center: [1, 2] }), { instanceOf: TypeError, message: /center must be an array of 10 finite numbers/ });
  t.throws(() => scalerFromJson({ ...json, kind: 'minmax' }), { instanceOf: RangeError, message: /kind must be "standard" or "robust" \(got "minmax"\)/ });
  t.throws(() => scalerFromJson({ ...json, features: ['nope'] }), { instanceOf: RangeError, message: /features\[0\] = "nope"/ });
  t.throws(() => scalerFromJson({ ...json, version: 2 }), { message: /version must be 1/ });
});

test('leakage guard: a scaler fit on training windows passes, one including validation or test rows is caught', (t) => {
  const c = randomCandles(600, 23);
  const split = chronologicalSplit(600, { lookback: T, horizons });
  const good = fitScaler([{ candles: c, ends: rangeEnds(split.train) }], { lookback: T, horizons });
  t.notThrows(() => assertNoLeakage(good, split));
  const withVal = fitScaler([{ candles: c, ends: rangeEnds({ start: split.train.start, end: split.val.end }) }], { lookback: T, horizons });
  t.throws(() => assertNoLeakage(withVal, split), { message: /fit on rows 0\.\.508, which reach validation\/test rows \(from 420\); fit it on training windows only \(ends 16\.\.415\)/ });
  const testOnly = fitScaler([{ candles: c, ends: rangeEnds(split.test) }], { lookback: T, horizons });
  t.throws(() => assertNoLeakage(testOnly, split), { message: /reach validation\/test rows/ });
  // Even one training window whose target reads a validation bar is caught.
  const oneTooFar = fitScaler([{ candles: c, ends: rangeEnds({ start: split.train.start, end: split.val.start - 3 }) }], { lookback: T, horizons });
  t.throws(() => assertNoLeakage(oneTooFar, split));
});

test('multi-symbol: pooled fit with per-symbol fit rows, checked against per-symbol splits', (t) => {
  const market = syntheticMarket({ bars: 500, symbols: 2, seed: 3 });
  const other = syntheticMarket({ bars: 800, symbols: 1, seed: 4 })[0];
  const all = [...market, { symbol: 'LONG', candles: other.candles }];
  const splits = Object.fromEntries(all.map((s) => [s.symbol, chronologicalSplit(s.candles.close.length, { lookback: T, horizons })]));
  const scaler = fitScaler(all.map((s) => ({ symbol: s.symbol, candles: s.candles, ends: rangeEnds(splits[s.symbol].train) })), { lookback: T, horizons });
  t.deepEqual(scaler.fitRows.map((r) => r.symbol), ['SYN0', 'SYN1', 'LONG']);
  t.notThrows(() => assertNoLeakage(scaler, splits));
  // The long series' training rows reach past the short series' validation start: a split
  // mix-up between symbols is caught.
  t.throws(() => assertNoLeakage(scaler, { SYN0: splits.SYN0, SYN1: splits.SYN1, LONG: splits.SYN0 }), { message: /of LONG/ });
  t.throws(() => assertNoLeakage(scaler, { SYN0: splits.SYN0 }), { instanceOf: RangeError, message: /no split given for symbol "SYN1"/ });
});

test('fitScaler rejects bad arguments by name', (t) => {
  const c = randomCandles(100, 24);
  t.throws(() => fitScaler([{ candles: c, ends: new Int32Array([5]) }], { lookback: T, horizons }), { instanceOf: RangeError, message: /ends must lie in \[lookback, length\) = \[16, 100\) \(got 5\.\.5\)/ });
  t.throws(() => fitScaler([{ candles: c, ends: new Int32Array([50]) }], { lookback: T, horizons, kind: 'zscore' as never }), { message: /kind must be/ });
  t.throws(() => fitScaler([{ candles: c, ends: new Int32Array([98]) }], { lookback: T, horizons }), { message: /horizon 1 has 1 training targets/ });
});
