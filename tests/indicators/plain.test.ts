/**
 * The plain indicator library on real closes (BTCUSDT-1h when ../shared/data is present, else
 * the synthetic stand-in): native vs the TypeScript reference definitions, and vs
 * `technicalindicators` where its definitions match ours. Where they differ:
 *  - EMA, MACD, ATR: technicalindicators seeds with the SMA of the first p values and starts
 *    output at p-1; we seed y_0 = x_0 (SPEC §5's recurrence) and define it from t = 0. The seed's
 *    weight decays as (1-a)^t, so the two agree once that is negligible (checked after warm-up).
 *  - RSI: technicalindicators seeds Wilder's averages with the mean of the first p differences
 *    and rounds to 2 decimals; we seed with the first difference (plain_indicators.h). Checked
 *    after warm-up to the rounding.
 *  - SMA, WMA, Bollinger (SMA, population std), ROC, Stochastic: same definitions, compared
 *    on every defined bar (technicalindicators omits the undefined head; we return NaN there).
 */
import test from 'ava';
import { createRequire } from 'node:module';

import * as plain from '../../src/indicators/plain.js';
import * as ref from '../../src/indicators/plain-reference.js';
import { indicatorAddon } from '../../src/indicators/native.js';
import { loadMarketData } from '../helpers/market-data.js';

const ti = createRequire(import.meta.url)('technicalindicators');
const market = loadMarketData('BTCUSDT-1h');
// 20k bars keep the O(n p) references quick; the native code has no length limit.
const N = 20000;
const candles = {
  high: market.candles.high.slice(0, N), low: market.candles.low.slice(0, N), close: market.candles.close.slice(0, N),
};
const close = candles.close;
const values = Array.from(close);

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, from = 0): number {
  let worst = 0;
  for (let i = from; i < b.length; i++) {
    if (Number.isNaN(b[i]) || Number.isNaN(a[i])) {
      if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Infinity;
      continue;
    }
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-12));
  }
  return worst;
}

/** technicalindicators' output aligned to our length: NaN for its missing head. */
function aligned(theirs: readonly number[], n = N): Float64Array {
  const out = new Float64Array(n).fill(NaN);
  out.set(theirs, n - theirs.length);
  return out;
}

test(`native path is used (data: ${market.source})`, (t) => {
  t.truthy(indicatorAddon(), 'build the addon (npm run build:native) before running these tests');
});

test('every plain indicator matches its TypeScript reference on real closes', (t) => {
  const periods = [2, 5, 14, 50];
  const cases: [string, Float64Array[], Float64Array[]][] = [
    ['ema', plain.emaMany(close, [...periods, 9.5]), [...periods, 9.5].map((p) => ref.emaRef(close, p))],
    ['sma', plain.smaMany(close, periods), periods.map((p) => ref.smaRef(close, p))],
    ['wma', plain.wmaMany(close, periods), periods.map((p) => ref.wmaRef(close, p))],
    ['rsi', plain.rsiMany(close, periods), periods.map((p) => ref.rsiRef(close, p))],
    ['momentum', plain.momentumMany(close, periods), periods.map((p) => ref.momentumRef(close, p))],
    ['roc', plain.rocMany(close, periods), periods.map((p) => ref.rocRef(close, p))],
    ['atr', plain.atrMany(candles, periods), periods.map((p) => ref.atrRef(candles, p))],
  ];
  for (const [name, got, want] of cases) {
    got.forEach((g, i) => {
      t.is(g.length, N);
      const d = maxRelDiff(g, want[i]);
      t.true(d < 1e-9, `${name}[${i}] max rel diff ${d}`);
    });
  }
  const macd = plain.macdMany(close, [[12, 26, 9], [5, 35, 5]]);
  [[12, 26, 9], [5, 35, 5]].forEach(([f, s, g], i) => {
    const r = ref.macdRef(close, f, s, g);
    // macd is a difference of EMAs ~1e-3 of price: compare on the price scale.
    for (const k of ['macd', 'signal', 'hist'] as const) {
      let worst = 0;
      for (let j = 0; j < N; j++) worst = Math.max(worst, Math.abs(macd[i][k][j] - r[k][j]) / close[j]);
      t.true(worst < 1e-12, `macd ${k} ${worst}`);
    }
  });
  const bb = plain.bollingerMany(close, [20, 50], 2.5);
  [20, 50].forEach((p, i) => {
    const r = ref.bollingerRef(close, p, 2.5);
    for (const k of ['mid', 'upper', 'lower'] as const) t.true(maxRelDiff(bb[i][k], r[k]) < 1e-12, `bollinger ${k}`);
  });
  const st = plain.stochasticMany(candles, [[14, 3], [5, 1]]);
  [[14, 3], [5, 1]].forEach(([p, s], i) => {
    const r = ref.stochasticRef(candles, p, s);
    t.true(maxRelDiff(st[i].k, r.k) < 1e-9 && maxRelDiff(st[i].d, r.d) < 1e-9, `stochastic ${p},${s}`);
  });
});

test('same definitions as technicalindicators: SMA, WMA, Bollinger, ROC, Stochastic', (t) => {
  for (const p of [5, 20]) {
    t.true(maxRelDiff(plain.smaMany(close, [p])[0], aligned(ti.SMA.calculate({ period: p, values }))) < 1e-9, `sma ${p}`);
    t.true(maxRelDiff(plain.wmaMany(close, [p])[0], aligned(ti.WMA.calculate({ period: p, values }))) < 1e-9, `wma ${p}`);
    t.true(maxRelDiff(plain.rocMany(close, [p])[0], aligned(ti.ROC.calculate({ period: p, values }))) < 1e-9, `roc ${p}`);
    const bb = plain.bollingerMany(close, [p], 2)[0];
    const theirs = ti.BollingerBands.calculate({ period: p, stdDev: 2, values }) as { middle: number; upper: number; lower: number }[];
    t.true(maxRelDiff(bb.mid, aligned(theirs.map((r) => r.middle))) < 1e-9, `bb mid ${p}`);
    t.true(maxRelDiff(bb.upper, aligned(theirs.map((r) => r.upper))) < 1e-9, `bb upper ${p}`);
    t.true(maxRelDiff(bb.lower, aligned(theirs.map((r) => r.lower))) < 1e-9, `bb lower ${p}`);
  }
  const st = plain.stochasticMany(candles, [[14, 3]])[0];
  const theirs = ti.Stochastic.calculate({ period: 14, signalPeriod: 3, high: Array.from(candles.high), low: Array.from(candles.low), close: values }) as { k: number; d: number }[];
  const k = aligned(theirs.map((r) => r.k)), d = aligned(theirs.map((r) => r.d ?? NaN));
  let worstK = 0, worstD = 0;
  for (let i = 0; i < N; i++) {
    if (!Number.isNaN(k[i])) worstK = Math.max(worstK, Math.abs(st.k[i] - k[i]));
    if (!Number.isNaN(d[i])) worstD = Math.max(worstD, Math.abs(st.d[i] - d[i]));
  }
  t.log(`stochastic max abs diff vs technicalindicators: %K ${worstK.toExponential(2)}, %D ${worstD.toExponential(2)}`);
  t.true(worstK < 1e-9 && worstD < 1e-9);
});

test('seeding differences vanish after warm-up: EMA, MACD, ATR, RSI vs technicalindicators', (t) => {
  const warm = 2000;
  for (const p of [5, 14, 26]) {
    t.true(maxRelDiff(plain.emaMany(close, [p])[0], aligned(ti.EMA.calculate({ period: p, values })), warm) < 1e-9, `ema ${p}`);
    const atr = aligned(ti.ATR.calculate({ period: p, high: Array.from(candles.high), low: Array.from(candles.low), close: values }));
    t.true(maxRelDiff(plain.atrMany(candles, [p])[0], atr, warm) < 1e-6, `atr ${p}`);
    const rsi = aligned(ti.RSI.calculate({ period: p, values }));
    let worst = 0;
    for (let i = warm; i < N; i++) worst = Math.max(worst, Math.abs(plain.rsiMany(close, [p])[0][i] - rsi[i]));
    t.log(`rsi ${p}: max abs diff after warm-up ${worst.toExponential(2)}`);
    t.true(worst <= 0.0051, `rsi ${p}: ${worst} (technicalindicators rounds to 0.01)`);
  }
  const ours = plain.macdMany(close, [[12, 26, 9]])[0];
  const theirs = ti.MACD.calculate({ fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, values, SimpleMAOscillator: false, SimpleMASignal: false }) as { MACD: number; signal: number; histogram: number }[];
  const m = aligned(theirs.map((r) => r.MACD)), s = aligned(theirs.map((r) => r.signal ?? NaN));
  let worst = 0;
  for (let i = warm; i < N; i++) worst = Math.max(worst, Math.abs(ours.macd[i] - m[i]) / close[i], Math.abs(ours.signal[i] - s[i]) / close[i]);
  t.true(worst < 1e-9, `macd ${worst}`);
});

test('bad arguments name the argument', (t) => {
  t.throws(() => plain.smaMany(close, [2.5]), { message: /smaMany: periods\[0\] = 2.5 must be an integer >= 1/ });
  t.throws(() => plain.emaMany(close, [0]), { message: /emaMany: periods\[0\] = 0/ });
  t.throws(() => plain.emaMany([1, 2, 3] as unknown as Float64Array, [3]), { message: /emaMany: x must be a Float64Array/ });
  t.throws(() => plain.atrMany({ ...candles, high: candles.high.subarray(1) }, [3]), { message: /same length/ });
  t.throws(() => plain.bollingerMany(close, [20], NaN), { message: /k = NaN/ });
});
