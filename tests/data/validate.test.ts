import test from 'ava';

import { validateOhlcv } from '../../src/data/validate.js';
import { candlesFromRows } from '../helpers/candles-from-rows.js';
import { loadMarketData } from '../helpers/market-data.js';
import { syntheticCandles } from '../../src/data/synthetic.js';

const H = 3_600_000;

test('clean synthetic candles validate ok with the inferred timeframe', (t) => {
  const r = validateOhlcv(syntheticCandles({ bars: 2000, seed: 3 }));
  t.true(r.ok, r.summary.join('; '));
  t.is(r.rows, 2000);
  t.is(r.timeframeMs, H);
  t.true(r.timeframeInferred);
  t.is(r.gaps.count, 0);
});

test('each problem is counted with its first rows', (t) => {
  const rows = [
    [0, 10, 11, 9, 10, 5],
    [H, 10, 11, 9, 10, 0], // zero volume
    [H, 10, 11, 9, 10, 5], // duplicate + non-increasing
    [5 * H, 10, 11, 9, 10, 5], // gap of 3 bars
    [6 * H, 10, 9.5, 9, 10, 5], // high < max(o, c)
    [7 * H, 10, 11, 10.5, 10, 5], // low > min(o, c)
    [8 * H, 10, 11, 9, 10, -1], // negative volume
    [9 * H, 0, 11, 9, 10, 5], // non-positive open (also low > min)
    [10 * H, 10, Infinity, 9, 10, 5], // non-finite high
    [11 * H, 10, 11, 9, NaN, 5], // NaN close
  ];
  const r = validateOhlcv(candlesFromRows(rows), { timeframeMs: H });
  t.false(r.timeframeInferred);
  t.deepEqual(r.duplicateTimestamps, { count: 1, rows: [2] });
  t.deepEqual(r.nonIncreasingTimestamps, { count: 1, rows: [2] });
  t.deepEqual(r.gaps, { count: 1, rows: [3], largestBars: 3, missingBars: 3 });
  t.deepEqual(r.highBelowOpenClose.rows, [4]);
  t.deepEqual(r.lowAboveOpenClose.rows, [5, 7]);
  t.deepEqual(r.negativeVolume, { count: 1, rows: [6] });
  t.deepEqual(r.nonPositivePrices, { count: 1, rows: [7] });
  t.deepEqual(r.nonFinite.high, { count: 1, rows: [8] });
  t.deepEqual(r.nonFinite.close, { count: 1, rows: [9] });
  t.is(r.nonFinite.open.count, 0);
  t.is(r.zeroVolume.count, 1);
  t.is(r.zeroVolume.ratio, 0.1);
  t.false(r.ok);
  t.true(r.summary.some((s) => s.startsWith('duplicate timestamps: 1 (rows 2)')));
});

test('duplicates far apart in unsorted data are found', (t) => {
  const r = validateOhlcv(candlesFromRows([[3, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1], [2, 1, 1, 1, 1, 1], [3, 1, 1, 1, 1, 1]]));
  t.deepEqual(r.duplicateTimestamps.rows, [3]);
  t.deepEqual(r.nonIncreasingTimestamps.rows, [1]);
});

test('return outliers use 10 x MAD of log returns', (t) => {
  const c = syntheticCandles({ bars: 500, seed: 11 });
  c.close[300] = c.close[299] * 1.5;
  c.high[300] = Math.max(c.high[300], c.close[300]);
  const r = validateOhlcv(c);
  t.true(r.returnOutliers.rows.includes(300));
  t.true(r.returnOutliers.rows.includes(301)); // the way back down
  t.true(r.returnOutliers.threshold > 0 && r.returnOutliers.threshold < Math.log(1.5));
});

test('rejects a bad timeframe option', (t) => {
  t.throws(() => validateOhlcv(syntheticCandles({ bars: 5 }), { timeframeMs: -1 }), { instanceOf: RangeError, message: /timeframeMs .* -1/ });
});

test('real equities: DIS open above high on 2020-01-10 is flagged', (t) => {
  const dis = loadMarketData('equities-daily/DIS');
  const r = validateOhlcv(dis.candles);
  if (dis.source === 'file') {
    t.deepEqual(r.highBelowOpenClose.rows, [1258]);
    t.is(dis.candles.timestamp[1258], Date.UTC(2020, 0, 10));
    t.false(r.ok);
  } else {
    t.true(r.ok, 'the synthetic stand-in has no OHLC errors');
  }
  t.is(r.rows, 1259);
  t.is(r.timeframeMs, 86_400_000);
});

test('real crypto 1h: gaps and zero-volume bars as the data README describes', (t) => {
  const btc = loadMarketData('BTCUSDT-1h');
  const r = validateOhlcv(btc.candles, { timeframeMs: H });
  t.is(r.duplicateTimestamps.count + r.nonIncreasingTimestamps.count, 0);
  t.is(r.highBelowOpenClose.count + r.lowAboveOpenClose.count, 0);
  t.true(r.ok, r.summary.join('; '));
  if (btc.source === 'file') {
    t.is(r.gaps.count, 28);
    t.is(btc.candles.timestamp[r.gaps.rows[2] - 1], Date.UTC(2018, 1, 8)); // 2018-02-08 00:00 -> 02-09 10:00
    t.is(r.gaps.largestBars, 33);
    t.deepEqual(r.zeroVolume.rows, [492, 15749, 30461, 48961]);
  } else {
    t.is(r.gaps.count, 0);
  }
});

test('real crypto 1m: the two outage gaps of 150 and 284 missing bars', (t) => {
  const btc = loadMarketData('BTCUSDT-1m');
  const r = validateOhlcv(btc.candles);
  t.is(r.timeframeMs, 60_000);
  if (btc.source === 'file') {
    t.deepEqual(r.gaps, { count: 2, rows: [26040, 33211], largestBars: 284, missingBars: 150 + 284 });
    t.is(btc.candles.timestamp[26039], Date.UTC(2021, 3, 20, 1, 59));
  } else {
    t.is(r.gaps.count, 0);
  }
});
