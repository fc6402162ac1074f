import test from 'ava';

import { sliceCandles, type Candles } from '../../src/data/candles.js';
import { DEFAULT_FEATURES, FEATURES } from '../../src/data/features.js';
import { buildWindows, buildWindowsAsync, computeBarFeatures } from '../../src/data/windowing.js';
import { nativeAddon } from '../../src/native/addon.js';
import { loadMarketData } from '../helpers/market-data.js';
import { randomCandles } from '../helpers/random-candles.js';
import { referenceBarFeature, referenceWindows } from '../helpers/windowing-reference.js';

function cloneCandles(c: Candles): Candles {
  return sliceCandles({
    timestamp: c.timestamp.slice(), open: c.open.slice(), high: c.high.slice(),
    low: c.low.slice(), close: c.close.slice(), volume: c.volume.slice(),
  }, 0, c.close.length);
}

/** Max |a-b| / max(1, |b|) with NaN positions required to match. */
function maxRelError(t: { fail(m: string): void }, actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) t.fail(`length ${actual.length} != ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    if (Number.isNaN(expected[i]) !== Number.isNaN(actual[i])) t.fail(`NaN mismatch at ${i}: ${actual[i]} vs ${expected[i]}`);
    if (!Number.isNaN(expected[i])) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  }
  return worst;
}

test('the registry lists the 10 base features with the native ids in order', (t) => {
  t.deepEqual(FEATURES.map((f) => f.id), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.deepEqual(DEFAULT_FEATURES.slice(0, 3), ['log_return', 'log_range', 'log_body']);
});

test('native windows match the TypeScript reference on random candles (property)', (t) => {
  for (let seed = 1; seed <= 12; seed++) {
    const n = 20 + seed * 13;
    const c = randomCandles(n, seed);
    const T = 1 + (seed * 7) % 16;
    const features = DEFAULT_FEATURES.filter((_, i) => (i + seed) % 3 !== 0);
    const horizons = [1, 1 + (seed % 5), 3 + seed];
    const center = Float64Array.from(features, (_, i) => 0.01 * i - 0.02);
    const scale = Float64Array.from(features, (_, i) => 0.5 + 0.25 * i);
    // Non-contiguous, unordered ends exercise both the shift path and the full-window path.
    const ends = Int32Array.from([n - 1, T, T + 1, T + 2, Math.floor((n + T) / 2), n - 2].filter((e) => e >= T && e < n));
    const w = buildWindows(c, { lookback: T, features, horizons, ends, scaler: { features, center, scale } });
    const ref = referenceWindows(c, ends, T, features, horizons, { center, scale });
    t.is(w.n, ends.length);
    t.deepEqual([w.T, w.F, w.H], [T, features.length, 3]);
    t.true(maxRelError(t, w.features, ref.features) < 1e-5, `features seed ${seed}`);
    t.true(maxRelError(t, w.close, ref.close) < 1e-6, `close seed ${seed}`);
    t.true(maxRelError(t, w.targets, ref.targets) < 1e-6, `targets seed ${seed}`);
    t.is(w.completeTargets, Array.from(ends).filter((e) => e + Math.max(...horizons) < n).length);
  }
});

test('native windows match the reference on real candles, all default ends', (t) => {
  const { candles } = loadMarketData('BTCUSDT-1h');
  const c = sliceCandles(candles, 1000, 1400);
  const w = buildWindows(c, { lookback: 64 });
  t.is(w.n, 400 - 64);
  t.is(w.ends[0], 64);
  t.is(w.ends[w.n - 1], 399);
  t.is(w.completeTargets, 400 - 64 - 12);
  const ref = referenceWindows(c, w.ends, 64, DEFAULT_FEATURES, [1, 4, 12]);
  t.true(maxRelError(t, w.features, ref.features) < 1e-5);
  t.true(maxRelError(t, w.targets, ref.targets) < 1e-6);
  // Last close of every window is exactly 1 after normalisation.
  for (let i = 0; i < w.n; i++) t.is(w.close[i * 64 + 63], 1);
});

test('async windows equal sync windows', async (t) => {
  const c = randomCandles(500, 99);
  const sync = buildWindows(c, { lookback: 32 });
  const async_ = await buildWindowsAsync(c, { lookback: 32 });
  t.deepEqual(async_.features, sync.features);
  t.deepEqual(async_.targets, sync.targets);
  t.deepEqual(async_.close, sync.close);
});

test('caller-owned outputs (views included) are filled in place; wrong sizes are named', async (t) => {
  const c = randomCandles(60, 12);
  const expected = buildWindows(c, { lookback: 8, ends: [20, 40] });
  const backing = new Float32Array(1000).fill(7);
  const out = { features: backing.subarray(100, 100 + 2 * 8 * 10), close: new Float32Array(16), targets: new Float32Array(6) };
  const w = buildWindows(c, { lookback: 8, ends: [20, 40], out });
  t.is(w.features, out.features);
  t.deepEqual(out.features, expected.features);
  t.is(backing[99], 7);
  t.is(backing[100 + 160], 7, 'nothing written past the view');
  t.throws(() => buildWindows(c, { lookback: 8, ends: [20], out }), { instanceOf: RangeError, message: /out\.features has length 160, expected 80/ });
  t.throws(() => buildWindows(c, { lookback: 8, ends: [20, 40], out: { ...out, close: new Float64Array(16) } as never }), { instanceOf: TypeError, message: /out\.close must be a Float32Array/ });
  // The async variant reports bad data as a rejected RangeError, never a crash.
  const bad = { ...c, close: c.close.slice() };
  bad.close[15] = NaN;
  await t.throwsAsync(buildWindowsAsync(bad, { lookback: 8 }), { instanceOf: RangeError, message: /close\[15\]/ });
});

test('device "cuda" matches "cpu" where a GPU answers, and is an error naming the reason where none does', (t) => {
  const c = randomCandles(3000, 13);
  const cpu = buildWindows(c, { lookback: 32, device: 'cpu' });
  t.is(cpu.device, 'cpu');
  const info = nativeAddon().deviceInfo();
  if (!info.cuda) {
    t.throws(() => buildWindows(c, { lookback: 32, device: 'cuda' }), { message: /device is "cuda" but no CUDA device is usable: \S/ });
    t.is(buildWindows(c, { lookback: 32, device: 'auto' }).device, 'cpu');
    return;
  }
  const cuda = buildWindows(c, { lookback: 32, device: 'cuda' });
  t.is(cuda.device, 'cuda');
  t.true(maxRelError(t, cuda.features, cpu.features) < 1e-5);
  t.true(maxRelError(t, cuda.close, cpu.close) < 1e-6);
  t.true(maxRelError(t, cuda.targets, cpu.targets) < 1e-6);
});

test('horizons beyond the end give NaN targets; windows are kept for inference', (t) => {
  const c = randomCandles(30, 3);
  const w = buildWindows(c, { lookback: 5, horizons: [1, 4], ends: [28, 29, 20] });
  t.is(w.n, 3);
  t.false(Number.isNaN(w.targets[0])); // 28 + 1 = 29 exists
  t.true(Number.isNaN(w.targets[1])); // 28 + 4 past the end
  t.true(Number.isNaN(w.targets[2]) && Number.isNaN(w.targets[3]));
  t.false(Number.isNaN(w.targets[4]) || Number.isNaN(w.targets[5]));
  t.is(w.completeTargets, 1);
});

test('lookback longer than the series, or a one-row series, gives zero windows', (t) => {
  const c = randomCandles(10, 4);
  const long = buildWindows(c, { lookback: 10 });
  t.is(long.n, 0);
  t.is(long.features.length, 0);
  t.is(buildWindows(c, { lookback: 500 }).n, 0);
  t.is(buildWindows(sliceCandles(c, 0, 1), { lookback: 1 }).n, 0);
  t.is(buildWindows(c, { lookback: 9 }).n, 1);
});

test('a NaN in a row a window reads is a RangeError naming row and column', (t) => {
  const c = cloneCandles(randomCandles(50, 5));
  c.close[20] = NaN;
  const err = t.throws(() => buildWindows(c, { lookback: 8 }), { instanceOf: RangeError });
  t.regex(err!.message, /close\[20\]/);
  // Windows that do not read row 20 (their inputs and targets end before it) still build.
  t.is(buildWindows(c, { lookback: 8, ends: [10, 12], horizons: [1, 4] }).n, 2);
  c.close[20] = 1;
  c.volume[30] = -1;
  t.throws(() => buildWindows(c, { lookback: 8 }), { instanceOf: RangeError, message: /volume\[30\].*>= 0/ });
});

test('bad arguments are TypeErrors or RangeErrors naming the field', (t) => {
  const c = randomCandles(50, 6);
  const bad = (opts: unknown) => () => buildWindows(c, opts as never);
  t.throws(bad({ lookback: '64' }), { instanceOf: TypeError, message: /lookback/ });
  t.throws(bad({ lookback: 2.5 }), { instanceOf: RangeError, message: /lookback.*2\.5/ });
  t.throws(bad({ features: 'log_return' }), { instanceOf: TypeError, message: /features/ });
  t.throws(bad({ features: ['log_return', 'rsi'] }), { instanceOf: RangeError, message: /features\[1\] = "rsi".*allowed: log_return/ });
  t.throws(bad({ horizons: [1, 0] }), { instanceOf: RangeError, message: /horizons\[1\]/ });
  t.throws(bad({ horizons: [1, 'x'] }), { instanceOf: TypeError, message: /horizons\[1\]/ });
  t.throws(bad({ ends: new Float64Array([10]) }), { instanceOf: TypeError, message: /ends/ });
  t.throws(bad({ lookback: 8, ends: [3] }), { instanceOf: RangeError, message: /ends\[0\] = 3/ });
  t.throws(bad({ lookback: 8, ends: [50] }), { instanceOf: RangeError, message: /ends\[0\] = 50/ });
  t.throws(bad({ lookback: 8, ends: [2 ** 32 + 10] }), { instanceOf: RangeError, message: /ends\[0\] = 4294967306 is outside the 32-bit/ });
  t.throws(bad({ lookback: 2 ** 30, ends: [5] }), { instanceOf: RangeError, message: /10737418240 output floats \(N x T x F\) cannot be allocated/ });
  t.throws(bad({ device: 'tpu' }), { instanceOf: RangeError, message: /device/ });
  t.throws(bad({ scaler: { features: ['log_return'], center: new Float64Array(1), scale: new Float64Array(1) } }), { instanceOf: RangeError, message: /scaler was fit on features/ });
  t.throws(() => buildWindows({ ...c, open: [1, 2] } as never), { instanceOf: TypeError, message: /candles\.open must be a Float64Array/ });
  t.throws(() => buildWindows({ ...c, open: c.open.subarray(1) }), { instanceOf: RangeError, message: /candles\.open has length 49/ });
});

test('causality: changing bars after e never changes window e inputs', (t) => {
  const base = randomCandles(120, 7);
  const T = 16;
  for (const e of [T, 40, 77, 118]) {
    const before = buildWindows(base, { lookback: T, ends: [e] });
    const changed = cloneCandles(base);
    for (let r = e + 1; r < 120; r++) {
      changed.close[r] *= 1.5;
      changed.open[r] *= 0.7;
      changed.high[r] *= 2;
      changed.volume[r] += 1000;
      changed.timestamp[r] += 12345;
    }
    const after = buildWindows(changed, { lookback: T, ends: [e] });
    t.deepEqual(after.features, before.features, `features of window ${e}`);
    t.deepEqual(after.close, before.close, `close of window ${e}`);
  }
});

test('computeBarFeatures matches the reference; row 0 differenced features are NaN', (t) => {
  const c = randomCandles(40, 8);
  const out = computeBarFeatures(c);
  const F = DEFAULT_FEATURES.length;
  t.is(out.length, 40 * F);
  t.true(Number.isNaN(out[0]) && Number.isNaN(out[5]));
  t.false(Number.isNaN(out[1]));
  for (let r = 1; r < 40; r++) {
    DEFAULT_FEATURES.forEach((name, f) => {
      const ref = referenceBarFeature(name, c, r);
      t.true(Math.abs(out[r * F + f] - ref) <= 1e-12 * Math.max(1, Math.abs(ref)), `${name} row ${r}`);
    });
  }
});
