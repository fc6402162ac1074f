import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CsvError, loadCsv, loadCsvFiles, MAX_LINE_BYTES, symbolFromPath } from '../../src/data/csv.js';
import { validateOhlcv } from '../../src/data/validate.js';
import { SHARED_DATA_DIR } from '../helpers/market-data.js';

const dir = mkdtempSync(join(tmpdir(), 'ntp-csv-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function file(content: string | Buffer, name = `f${counter++}.csv`): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const HEADER = 'timestamp,open,high,low,close,volume\n';

test('parses ms timestamps and values exactly', (t) => {
  const c = loadCsv(file(`${HEADER}1502942400000,4261.48,4313.62,4261.32,4308.83,47.181009\n1502946000000,4308.83,4328.69,4291.37,4315.32,23.234916\n`));
  t.deepEqual(Array.from(c.timestamp), [1502942400000, 1502946000000]);
  t.deepEqual(Array.from(c.open), [4261.48, 4308.83]);
  t.deepEqual(Array.from(c.volume), [47.181009, 23.234916]);
});

test('numbers parse exactly like Number() (fast path and fallback)', (t) => {
  const values = ['0.1', '1e-7', '-2.5E+3', '123456789012345678901234', '0.000000000000000000000000123', '3.14159265358979323846', '+7', '.5', '5.'];
  const rows = values.map((v, i) => `${i},${v},1,1,1,1`).join('\n');
  const c = loadCsv(file(`${HEADER}${rows}`));
  t.deepEqual(Array.from(c.open), values.map(Number));
});

test('aliases, case, semicolons, quotes, CRLF, BOM, extra columns', (t) => {
  const c = loadCsv(file('\ufeff"Open_Time";"OPEN";High;low;Close;Volume;trades\r\n1502942400;1;2;0.5;1.5;10;7\r\n1502946000;1.5;2;1;1.25;0;3\r\n'));
  // seconds detected by magnitude, stored as ms
  t.deepEqual(Array.from(c.timestamp), [1502942400000, 1502946000000]);
  t.deepEqual(Array.from(c.close), [1.5, 1.25]);
  for (const alias of ['time', 'date', 'TimeStamp']) {
    t.is(loadCsv(file(`${alias},open,high,low,close,volume\n1502942400000,1,1,1,1,1\n`)).timestamp[0], 1502942400000);
  }
});

test('ISO-8601 timestamps: date, time, fraction, Z and offsets', (t) => {
  const c = loadCsv(file(`date,open,high,low,close,volume
2020-01-10,1,1,1,1,1
2020-01-10T13:45:30Z,1,1,1,1,1
2020-01-10 13:45:30.250,1,1,1,1,1
2020-01-10T15:45:30+02:00,1,1,1,1,1
2020-01-10T08:15-0530,1,1,1,1,1
`));
  t.deepEqual(Array.from(c.timestamp), [
    Date.UTC(2020, 0, 10), Date.UTC(2020, 0, 10, 13, 45, 30), Date.UTC(2020, 0, 10, 13, 45, 30, 250),
    Date.UTC(2020, 0, 10, 13, 45, 30), Date.UTC(2020, 0, 10, 13, 45),
  ]);
  t.throws(() => loadCsv(file('date,open,high,low,close,volume\n2020-02-30,1,1,1,1,1\n')), { instanceOf: CsvError, message: /line 2, column "date" \(1\): "2020-02-30" is not a timestamp/ });
});

test('microsecond timestamps are detected and stored as ms', (t) => {
  t.is(loadCsv(file(`${HEADER}1735689600000000,1,1,1,1,1\n`)).timestamp[0], 1735689600000);
});

// The bad-file corpus: each case either fails with a CsvError naming file/line/column, or
// loads and is then reported by validateOhlcv.
const failing: [string, string | Buffer, RegExp][] = [
  ['empty file', '', /line 1: file is empty/],
  ['header only', HEADER, /line 1: file has a header but no data rows/],
  ['missing column', 'timestamp,open,high,low,close\n1,1,1,1,1\n', /line 1: header row is missing volume/],
  ['no header', '1502942400000,1,1,1,1,1\n', /header row is missing timestamp, open/],
  ['duplicated column', 'time,date,open,high,low,close,volume\n', /"time" and "date" both name the timestamp column/],
  ['text in a number column', `${HEADER}1,1,1,1,abc,1\n`, /line 2, column "close" \(5\): "abc" is not a number/],
  ['empty value', `${HEADER}1,1,1,1,1,1\n2,1,,1,1,1\n`, /line 3, column "high" \(3\): empty value/],
  ['too few fields', `${HEADER}1,1,1,1,1\n`, /line 2, column "volume" \(6\): row has 5 fields, the header has 6/],
  ['too many fields', `${HEADER}1,1,1,1,1,1,9\n`, /line 2: row has more than the header's 6 fields/],
  ['mixed delimiters', `${HEADER}1,1,1,1,1,1\n2;1;1;1;1;1\n`, /line 3: row contains ";" but the header's delimiter is ","/],
  ['bad timestamp', `${HEADER}1,1,1,1,1,1\nyesterday,1,1,1,1,1\n`, /line 3, column "timestamp" \(1\): "yesterday" is not a timestamp/],
];
for (const [name, content, message] of failing) {
  test(`bad file fails with a clear error: ${name}`, (t) => {
    const p = file(content);
    const err = t.throws(() => loadCsv(p), { instanceOf: CsvError, message });
    t.true(err!.message.startsWith(p), 'the message names the file');
  });
}

test('a very long line without newline fails fast with a clear error', (t) => {
  const p = file(Buffer.alloc(MAX_LINE_BYTES * 3, 0x31));
  t.throws(() => loadCsv(p), { instanceOf: CsvError, message: /line 1: line is longer than 1048576 bytes/ });
  const q = file(Buffer.concat([Buffer.from(HEADER + '1,1,1,1,1,1\n'), Buffer.alloc(MAX_LINE_BYTES + 10, 0x32)]));
  t.throws(() => loadCsv(q), { instanceOf: CsvError, message: /line 3: line is longer/ });
});

test('loaded, then flagged by validation: unsorted, duplicates, NaN, negative prices, high < low', (t) => {
  const c = loadCsv(file(`${HEADER}3000,1,2,0.5,1,1
1000,1,2,0.5,1,1
1000,1,2,0.5,1,1
4000,NaN,2,0.5,1,1
5000,-1,2,0.5,1,1
6000,1,0.5,2,1,1
`));
  t.is(c.close.length, 6);
  t.true(Number.isNaN(c.open[3]));
  const r = validateOhlcv(c);
  t.deepEqual(r.nonIncreasingTimestamps.rows, [1, 2]);
  t.deepEqual(r.duplicateTimestamps.rows, [2]);
  t.deepEqual(r.nonFinite.open.rows, [3]);
  t.deepEqual(r.nonPositivePrices.rows, [4]);
  t.deepEqual(r.highBelowOpenClose.rows, [5]);
  t.deepEqual(r.lowAboveOpenClose.rows, [4, 5]); // row 4: low 0.5 > open -1
  t.false(r.ok);
});

test('chunk boundaries do not change the result (rows longer than a few bytes across 1 MiB reads)', (t) => {
  const rows: string[] = [];
  for (let i = 0; i < 40000; i++) rows.push(`${1e12 + i * 60000},${(100 + i * 0.001).toFixed(3)},${101 + i},99,${100.5 + i},${i % 7}`);
  const c = loadCsv(file(HEADER + rows.join('\n')));
  t.is(c.close.length, 40000);
  t.is(c.timestamp[39999], 1e12 + 39999 * 60000);
  t.is(c.open[23456], Number((100 + 23456 * 0.001).toFixed(3)));
  t.is(c.volume[39999], 39999 % 7);
});

test('loadCsvFiles keys by symbol from the file name', (t) => {
  const a = file(`${HEADER}1,1,1,1,1,1\n`, 'BTCUSDT-1h.csv');
  const b = file(`${HEADER}1,2,2,2,2,2\n2,2,2,2,2,2\n`, 'ETHUSDT-1h.csv');
  const loaded = loadCsvFiles([a, b]);
  t.deepEqual(loaded.map((s) => [s.symbol, s.candles.close.length]), [['BTCUSDT-1h', 1], ['ETHUSDT-1h', 2]]);
  t.is(symbolFromPath('/x/y/equities-daily/DIS.csv'), 'DIS');
  t.throws(() => loadCsvFiles([a, a]), { message: /both give the symbol "BTCUSDT-1h"/ });
});

test('every shared data file loads with the README row counts', (t) => {
  const expected: Record<string, number> = {
    'ADAUSDT-1h': 61612, 'AVAXUSDT-1h': 40342, 'BNBUSDT-1h': 65467, 'BTCUSDT-1h': 67404, 'BTCUSDT-1m': 69927,
    'BTCUSDT-5m': 61999, 'DOGEUSDT-1h': 50992, 'ETHUSDT-1h': 67404, 'ETHUSDT-1m': 69925, 'ETHUSDT-5m': 61999, 'XRPUSDT-1h': 61200,
  };
  if (!existsSync(SHARED_DATA_DIR)) {
    // Without the shared folder the same loader runs on a generated file of the same kind.
    t.is(loadCsv(file(`${HEADER}1502942400000,1,1,1,1,1\n`)).close.length, 1);
    return;
  }
  const crypto = loadCsvFiles(Object.keys(expected).map((s) => join(SHARED_DATA_DIR, `${s}.csv`)));
  for (const { symbol, candles } of crypto) t.is(candles.close.length, expected[symbol], symbol);
  t.is(crypto.find((s) => s.symbol === 'BTCUSDT-1h')!.candles.timestamp[0], Date.UTC(2017, 7, 17, 4));
  const eqDir = join(SHARED_DATA_DIR, 'equities-daily');
  const equities = loadCsvFiles(readdirSync(eqDir).filter((f) => f.endsWith('.csv')).map((f) => join(eqDir, f)));
  t.is(equities.length, 151);
  for (const { symbol, candles } of equities) {
    t.is(candles.close.length, 1259, symbol);
    t.is(candles.timestamp[0], Date.UTC(2015, 0, 12), symbol);
    t.is(candles.timestamp[1258], Date.UTC(2020, 0, 10), symbol);
  }
});
