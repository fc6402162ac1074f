import test from 'ava';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { candleCachePath, candleCsvRows, readCandleCache, writeCandleCache } from '../../src/data/candle-cache.js';
import { emptyCandles, type Candles } from '../../src/data/candles.js';

function candles(n: number): Candles {
  const c = emptyCandles(n);
  for (let i = 0; i < n; i++) {
    c.timestamp[i] = 1_700_000_000_000 + i * 60_000;
    c.open[i] = 0.1 + i / 3; // not exactly representable in decimal: tests the round trip
    c.high[i] = c.open[i] + 1e-9;
    c.low[i] = c.open[i] - 12345.678901234567;
    c.close[i] = Math.PI * i;
    c.volume[i] = i === 1 ? 0 : 1e-8 * i;
  }
  return c;
}

test('cache paths are per exchange/symbol/timeframe and file-safe', (t) => {
  t.is(candleCachePath('/c', 'binance', 'BTC/USDT', '1h'), join('/c', 'binance', 'BTC_USDT-1h.csv'));
  t.is(candleCachePath('/c', 'binance', 'BTC/USDT:USDT', '1M'), join('/c', 'binance', 'BTC_USDT_USDT-1M.csv'));
  t.not(candleCachePath('/c', 'binance', 'ETH/USDT', '1h'), candleCachePath('/c', 'kraken', 'ETH/USDT', '1h'));
});

test('a written cache reads back bit for bit, with no temp file left', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ntp-cache-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = candleCachePath(dir, 'binance', 'BTC/USDT', '1m');
  const c = candles(50);
  await writeCandleCache(file, [candleCsvRows(c, 0, 20), candleCsvRows(c, 20)]);
  t.deepEqual(await readCandleCache(file), c);
  t.deepEqual(await readdir(dirname(file)), ['BTC_USDT-1m.csv']);
  t.true((await readFile(file, 'utf8')).startsWith('timestamp,open,high,low,close,volume\n1700000000000,'));
});

test('a missing cache reads as no candles', async (t) => {
  t.is((await readCandleCache(join(tmpdir(), 'ntp-no-such-dir', 'x.csv'))).close.length, 0);
});

test('a damaged cache is reported with its file, line and column', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ntp-cache-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'x.csv');
  const cases: [string, string][] = [
    ['time,open\n', `candle cache ${file}: line 1 is "time,open", expected the header "timestamp,open,high,low,close,volume"; delete the file to refetch`],
    ['timestamp,open,high,low,close,volume\n1,2,3,4,5,6\n2,2,3,4\n', `candle cache ${file}: line 3 has 4 fields, expected 6; delete the file to refetch`],
    ['timestamp,open,high,low,close,volume\n1,2,3,4,5,6\n2,2,x,4,5,6\n', `candle cache ${file}: line 3, column high is "x", expected a finite number; delete the file to refetch`],
    ['timestamp,open,high,low,close,volume\n2,2,3,4,5,6\n2,2,3,4,5,6\n', `candle cache ${file}: line 3, timestamp 2 does not increase; delete the file to refetch`],
  ];
  for (const [text, message] of cases) {
    await writeFile(file, text);
    await t.throwsAsync(readCandleCache(file), { message });
  }
});
