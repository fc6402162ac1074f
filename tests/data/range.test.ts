import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fetchSpan, loadSeries } from '../../src/data/source.js';
import { DateRangeError, parseDateBound, rangeBars, sliceRange } from '../../src/data/range.js';
import { syntheticCandles } from '../../src/data/synthetic.js';
import { resolveConfig } from '../../src/config/index.js';
import { writeCsvFixture } from '../helpers/csv-fixture.js';

const HOUR = 3_600_000;

test('date bounds: ISO-8601 (UTC without an offset) or integer milliseconds', (t) => {
  t.is(parseDateBound('2024-01-01', 'x'), Date.UTC(2024, 0, 1));
  t.is(parseDateBound('2024-01-01T12:30Z', 'x'), Date.UTC(2024, 0, 1, 12, 30));
  t.is(parseDateBound('2024-01-01T12:00+02:00', 'x'), Date.UTC(2024, 0, 1, 10));
  t.is(parseDateBound('1704067200000', 'x'), 1704067200000);
  t.throws(() => parseDateBound('yesterday', '--from'), { instanceOf: DateRangeError, message: /--from must be an ISO-8601 date .* \(got "yesterday"\)/ });
});

test('a range selects from <= time < to; the lookback comes from before from', (t) => {
  const c = syntheticCandles({ bars: 100, seed: 1, start: 0, timeframeMs: HOUR });
  t.deepEqual(rangeBars(c, { from: 10 * HOUR, to: 20 * HOUR }, 'S'), { first: 10, end: 20 });
  t.deepEqual(rangeBars(c, { from: 10.5 * HOUR, to: null }, 'S'), { first: 11, end: 100 });
  const r = sliceRange(c, { from: 30 * HOUR, to: 60 * HOUR }, 8, 'S');
  t.is(r.start, 8);
  t.is(r.candles.close.length, 8 + 30);
  t.is(r.candles.timestamp[r.start], 30 * HOUR);
  t.is(r.candles.timestamp[0], 22 * HOUR);
  // Near the data's start the lookback is what there is.
  t.is(sliceRange(c, { from: 3 * HOUR, to: null }, 8, 'S').start, 3);
});

test('empty, inverted and outside ranges name the series and the data span', (t) => {
  const c = syntheticCandles({ bars: 48, seed: 1, start: Date.UTC(2024, 0, 1), timeframeMs: HOUR });
  t.throws(() => rangeBars(c, { from: Date.UTC(2025, 0, 1), to: null }, 'my/BTC.csv'),
    { instanceOf: DateRangeError, message: 'my/BTC.csv: no bar in the date range 2025-01-01T00:00Z .. end (the data has 48 bars from 2024-01-01T00:00Z to 2024-01-02T23:00Z)' });
  t.throws(() => rangeBars(c, { from: Date.UTC(2024, 0, 2), to: Date.UTC(2024, 0, 1) }, 'S'), { instanceOf: DateRangeError, message: /the date range is empty/ });
  t.throws(() => rangeBars(c, { from: Date.UTC(2024, 0, 1, 5, 10), to: Date.UTC(2024, 0, 1, 5, 50) }, 'S'), { instanceOf: DateRangeError, message: /no bar in the date range/ });
});

test('loadSeries applies data.from/data.to to CSV files with the lookback before from', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ntp-range-'));
  const csv = writeCsvFixture(join(dir, 'SYN-1h.csv'), 500);
  const all = await loadSeries(resolveConfig({ values: { data: { source: 'csv', paths: [csv] } } }).data);
  const ts = all.series[0].candles.timestamp;
  const data = resolveConfig({ values: { data: { source: 'csv', paths: [csv], from: new Date(ts[200]).toISOString(), to: String(ts[300]) } } }).data;
  const loaded = await loadSeries(data, { lookback: 64 });
  t.deepEqual(loaded.starts, [64]);
  const c = loaded.series[0].candles;
  t.is(c.close.length, 64 + 100);
  t.is(c.timestamp[64], ts[200]);
  t.is(c.timestamp[0], ts[136]);
  t.is(c.timestamp[c.close.length - 1], ts[299]);
  t.regex(loaded.source, /SYN-1h\.csv, .* \.\. /);
  await t.throwsAsync(loadSeries({ ...data, from: '2000-01-01', to: '2000-02-01' }), { instanceOf: DateRangeError, message: new RegExp(`${csv.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no bar`) });
});

test('exchange fetches cover the range and its lookback', (t) => {
  const data = (values: Record<string, unknown>) => resolveConfig({ values: { data: { source: 'ccxt', symbols: ['BTC/USDT'], timeframe: '1h', ...values } } }).data;
  t.deepEqual(fetchSpan(data({ from: '2024-03-01', to: '2024-04-01' }), 64), { since: Date.UTC(2024, 2, 1) - 64 * HOUR, until: Date.UTC(2024, 3, 1) });
  t.deepEqual(fetchSpan(data({ since: '2023-01-01' }), 64), { since: Date.UTC(2023, 0, 1) });
  t.deepEqual(fetchSpan(data({ to: '2024-04-01' }), 64), { since: 0, until: Date.UTC(2024, 3, 1) });
});
