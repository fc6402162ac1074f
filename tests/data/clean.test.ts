import test from 'ava';

import { cleanOhlcv } from '../../src/data/clean.js';
import { validateOhlcv } from '../../src/data/validate.js';
import { candlesFromRows } from '../helpers/candles-from-rows.js';
import { loadMarketData } from '../helpers/market-data.js';

const H = 3_600_000;
const messy = () => candlesFromRows([
  [2 * H, 12, 13, 11, 12, 5], // row 0: out of order
  [0, 10, 11, 9, 10, 5], // row 1
  [H, 11, 12, 10, 11, 5], // row 2
  [H, 99, 99, 99, 99, 9], // row 3: duplicate of row 2
  [3 * H, 12, 11, 10, 12, 5], // row 4: high < close
  [6 * H, 13, 14, 12, 13, 5], // row 5: after a 2-bar gap (once row 4 is dropped, 3 bars)
]);

test('no options: data unchanged, nothing reported', (t) => {
  const c = messy();
  const { candles, changes } = cleanOhlcv(c, {});
  t.deepEqual(candles, c);
  t.deepEqual(changes, { rowsIn: 6, rowsOut: 6, dropped: [], inserted: [], moved: 0 });
});

test('every step reports exactly what it changed', (t) => {
  const input = messy();
  const { candles, changes } = cleanOhlcv(input, { dropInvalidRows: true, sort: true, dropDuplicates: true, forwardFillGaps: true, timeframeMs: H });
  t.deepEqual(changes.dropped, [
    { row: 3, timestamp: H, reasons: ['duplicate timestamp of row 2'] },
    { row: 4, timestamp: 3 * H, reasons: ['high < max(open, close)'] },
  ]);
  t.deepEqual(changes.inserted, [3, 4, 5].map((k) => ({ timestamp: k * H, filledFrom: 0 })));
  t.is(changes.moved, 4); // [0, 1, 2, 3, 5] -> [1, 2, 3, 0, 5]
  t.is(changes.rowsOut, 7);
  t.is(changes.rowsIn - changes.dropped.length + changes.inserted.length, changes.rowsOut);
  t.deepEqual(Array.from(candles.timestamp), [0, 1, 2, 3, 4, 5, 6].map((k) => k * H));
  t.deepEqual(Array.from(candles.close), [10, 11, 12, 12, 12, 12, 13]);
  t.deepEqual(Array.from(candles.volume), [5, 5, 5, 0, 0, 0, 5]);
  t.deepEqual(Array.from(candles.high.subarray(3, 6)), [12, 12, 12]);
  t.true(validateOhlcv(candles, { timeframeMs: H }).ok);
  t.is(input.close[3], 99, 'the input is not modified');
});

test('dropInvalidRows lists every reason of a row', (t) => {
  const c = candlesFromRows([[0, 1, 1, 1, 1, 1], [H, -1, NaN, 1, 1, -2]]);
  const { changes } = cleanOhlcv(c, { dropInvalidRows: true });
  t.deepEqual(changes.dropped, [{ row: 1, timestamp: H, reasons: ['high is NaN', 'open <= 0 (-1)', 'volume < 0 (-2)', 'low > min(open, close)'] }]);
});

test('forwardFillGaps refuses unsorted or duplicated input and says what to enable', (t) => {
  t.throws(() => cleanOhlcv(messy(), { forwardFillGaps: true, timeframeMs: H }), { instanceOf: RangeError, message: /row 1 \(0\) follows row 0 .*enable sort and dropDuplicates/ });
  t.throws(() => cleanOhlcv(messy(), { sort: true, forwardFillGaps: true, timeframeMs: H }), { instanceOf: RangeError, message: /row 3 .*follows row 2/ });
});

test('real DIS: only the 2020-01-10 row is dropped as invalid', (t) => {
  const dis = loadMarketData('equities-daily/DIS');
  const { candles, changes } = cleanOhlcv(dis.candles, { dropInvalidRows: true });
  if (dis.source === 'file') {
    t.deepEqual(changes.dropped, [{ row: 1258, timestamp: Date.UTC(2020, 0, 10), reasons: ['high < max(open, close)'] }]);
    t.is(candles.close.length, 1258);
  } else {
    t.deepEqual(changes.dropped, []);
  }
});

test('real BTC 1h: forward-filling the gaps gives a gap-free series with one insert per missing bar', (t) => {
  const btc = loadMarketData('BTCUSDT-1h');
  const before = validateOhlcv(btc.candles, { timeframeMs: H });
  const { candles, changes } = cleanOhlcv(btc.candles, { forwardFillGaps: true, timeframeMs: H });
  const after = validateOhlcv(candles, { timeframeMs: H });
  t.is(changes.inserted.length, before.gaps.missingBars);
  t.is(after.gaps.count, 0);
  t.is(after.zeroVolume.count, before.zeroVolume.count + changes.inserted.length);
  t.is(candles.close.length, btc.candles.close.length + changes.inserted.length);
  t.is((candles.timestamp[candles.close.length - 1] - candles.timestamp[0]) / H + 1, candles.close.length);
});
