import test from 'ava';

import { Rng } from '../../src/data/random.js';
import { syntheticCandles, syntheticMarket } from '../../src/data/synthetic.js';
import { validateOhlcv } from '../../src/data/validate.js';
import { loadMarketData } from '../helpers/market-data.js';

function logReturns(close: Float64Array): number[] {
  const r: number[] = [];
  for (let i = 1; i < close.length; i++) r.push(Math.log(close[i] / close[i - 1]));
  return r;
}
const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
function kurtosis(x: number[]): number {
  const m = mean(x);
  const v = mean(x.map((a) => (a - m) ** 2));
  return mean(x.map((a) => (a - m) ** 4)) / (v * v);
}
function correlation(x: number[], y: number[]): number {
  const mx = mean(x), my = mean(y);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < x.length; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ** 2; syy += (y[i] - my) ** 2; }
  return sxy / Math.sqrt(sxx * syy);
}

const c = syntheticCandles({ bars: 20000, seed: 5 });
const r = logReturns(c.close);
const absR = r.map(Math.abs);

test('same seed gives identical output, another seed differs', (t) => {
  t.deepEqual(syntheticCandles({ bars: 20000, seed: 5 }), c);
  t.notDeepEqual(syntheticCandles({ bars: 200, seed: 6 }).close, syntheticCandles({ bars: 200, seed: 5 }).close);
});

test('fat tails: kurtosis of log returns well above 3', (t) => {
  t.true(kurtosis(r) > 4, `kurtosis ${kurtosis(r)}`);
});

test('volatility clustering: |r| autocorrelation at lags 1 and 10 is positive', (t) => {
  for (const lag of [1, 10]) {
    const rho = correlation(absR.slice(lag), absR.slice(0, -lag));
    t.true(rho > 0.05, `lag ${lag}: ${rho}`);
  }
  // while returns themselves are nearly uncorrelated
  t.true(Math.abs(correlation(r.slice(1), r.slice(0, -1))) < 0.05);
});

test('OHLC consistent, timestamps regular, volume correlated with |return|', (t) => {
  const v = validateOhlcv(c);
  t.true(v.ok, v.summary.join('; '));
  t.is(v.gaps.count, 0);
  t.is(v.timeframeMs, 3_600_000);
  t.is(c.timestamp[0], Date.UTC(2020, 0, 1));
  const vol = Array.from(c.volume.subarray(1));
  t.true(correlation(vol, absR) > 0.2, `corr ${correlation(vol, absR)}`);
});

test('intraday seasonality: 14:00 UTC bars move more than 02:00 UTC bars', (t) => {
  const byHour = (h: number) => mean(absR.filter((_, i) => new Date(c.timestamp[i + 1]).getUTCHours() === h));
  t.true(byHour(14) > 1.5 * byHour(2), `${byHour(14)} vs ${byHour(2)}`);
});

test('options: timeframe, start, symbols; bad options name the key', (t) => {
  const m = syntheticMarket({ bars: 50, symbols: 3, seed: 1, timeframeMs: 300_000, start: 0 });
  t.deepEqual(m.map((s) => s.symbol), ['SYN0', 'SYN1', 'SYN2']);
  t.is(m[2].candles.timestamp[49], 49 * 300_000);
  t.notDeepEqual(m[0].candles.close, m[1].candles.close);
  t.throws(() => syntheticCandles({ bars: -1 }), { instanceOf: RangeError, message: /bars must be an integer >= 0 \(got -1\)/ });
  t.throws(() => syntheticCandles({ bars: 5, volatility: 2 }), { instanceOf: RangeError, message: /volatility/ });
  t.throws(() => syntheticCandles({ bars: '5' as never }), { instanceOf: TypeError, message: /bars must be a number/ });
});

test('Rng: uniform in [0, 1) with mean 1/2, normal with unit variance, reproducible', (t) => {
  const a = new Rng(123), b = new Rng(123);
  const u = Array.from({ length: 20000 }, () => a.uniform());
  t.deepEqual(u.slice(0, 5), Array.from({ length: 5 }, () => b.uniform()));
  t.true(u.every((x) => x >= 0 && x < 1));
  t.true(Math.abs(mean(u) - 0.5) < 0.01);
  const z = Array.from({ length: 20000 }, () => a.normal());
  t.true(Math.abs(mean(z.map((x) => x * x)) - 1) < 0.05);
  const s = Array.from({ length: 20000 }, () => a.studentT(5));
  t.true(Math.abs(mean(s.map((x) => x * x)) - 1) < 0.1);
});

test('loadMarketData uses the shared file when present, else a synthetic series of the same shape', (t) => {
  const m = loadMarketData('ETHUSDT-5m');
  t.is(m.candles.close.length, 61999);
  t.is(m.candles.timestamp[0], Date.UTC(2022, 0, 1));
  t.is(m.candles.timestamp[1] - m.candles.timestamp[0], 300_000);
  t.true(m.source === 'file' ? m.path!.endsWith('ETHUSDT-5m.csv') : m.path === null);
  t.throws(() => loadMarketData('NOPE-1h'), { message: /no known shape for "NOPE-1h"/ });
  // Where the shared folder is absent: same shape from the generator, deterministic per name.
  const fallback = loadMarketData('ETHUSDT-5m', '/nonexistent/shared/data');
  t.is(fallback.source, 'synthetic');
  t.is(fallback.candles.close.length, 61999);
  t.is(fallback.candles.timestamp[1] - fallback.candles.timestamp[0], 300_000);
  t.deepEqual(loadMarketData('ETHUSDT-5m', '/nonexistent/shared/data').candles.close, fallback.candles.close);
  t.is(loadMarketData('equities-daily/DIS', '/nonexistent').candles.close.length, 1259);
});
