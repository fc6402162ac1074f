/**
 * fetchCandles with the real ccxt binance client against the local Binance emulator. Serial:
 * each test has its own emulator, but the loopback guard is process-wide.
 */
import anyTest, { type TestFn } from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchCandles, type FetchCandlesOptions, type FetchProgress } from '../../src/data/ccxt-fetch.js';
import { candleCachePath, candleCsvRows } from '../../src/data/candle-cache.js';
import { sliceCandles, type Candles } from '../../src/data/candles.js';
import { guardLoopbackOnly, startExchangeEmulator, type ExchangeEmulator } from '../helpers/exchange-emulator.js';

interface Context {
  emu: ExchangeEmulator;
  cacheDir: string;
  /** fetchCandles with the emulator's URLs, a fast rate limit and millisecond backoff. */
  fetch(o?: Partial<FetchCandlesOptions>): Promise<Candles>;
}
const test = anyTest as TestFn<Context>;
const HOUR = 3_600_000;
const guard = guardLoopbackOnly();

test.after.always(() => guard.restore());

test.beforeEach(async (t) => {
  const emu = await startExchangeEmulator();
  const cacheDir = await mkdtemp(join(tmpdir(), 'ntp-ccxt-'));
  t.context = {
    emu,
    cacheDir,
    fetch: (o = {}) =>
      fetchCandles({
        exchange: 'binance',
        symbol: 'BTC/USDT',
        timeframe: '1h',
        since: window(emu).since,
        cacheDir,
        maxRetries: 3,
        baseDelayMs: 5,
        ...o,
        exchangeOptions: { urls: { api: emu.apiUrls }, rateLimit: 1, timeout: 3000, ...o.exchangeOptions },
      }),
  };
  guard.attempts.length = 0;
});

test.afterEach.always(async (t) => {
  await t.context.emu.close();
  await rm(t.context.cacheDir, { recursive: true, force: true });
  // Every test, failing or not, must have stayed on the loopback interface.
  t.deepEqual(guard.attempts.filter((h) => h !== '127.0.0.1' && !h.startsWith('unix:')), [], 'a connection left 127.0.0.1');
});

/** 2,500 bars around the largest gap of BTCUSDT-1h (real or generated): several pages, one outage. */
function window(emu: ExchangeEmulator): { since: number; until: number; source: Candles } {
  const c = emu.candles('BTCUSDT');
  let gapAt = 1;
  for (let i = 1; i < c.timestamp.length; i++) {
    if (c.timestamp[i] - c.timestamp[i - 1] > c.timestamp[gapAt] - c.timestamp[gapAt - 1]) gapAt = i;
  }
  const start = Math.max(0, gapAt - 1_200);
  const end = start + 2_500;
  return { since: c.timestamp[start], until: c.timestamp[end], source: sliceCandles(c, start, end) };
}

const klines = (emu: ExchangeEmulator) => emu.requests.filter((r) => r.path === '/api/v3/klines');

async function cacheText(t: { context: Context }): Promise<string> {
  return readFile(candleCachePath(t.context.cacheDir, 'binance', 'BTC/USDT', '1h'), 'utf8');
}
const csv = (c: Candles) => `timestamp,open,high,low,close,volume\n${candleCsvRows(c)}`;

test.serial('a fetch over several pages equals the source candles exactly, through a real outage gap', async (t) => {
  const { emu } = t.context;
  const { until, source } = window(emu);
  const pages: FetchProgress[] = [];
  const got = await t.context.fetch({ until, limit: 500, onProgress: (p) => pages.push(p) });
  t.deepEqual(got, source);
  t.true(got.timestamp[got.timestamp.length - 1] - got.timestamp[0] > (source.timestamp.length - 1) * HOUR, 'the window contains a gap');
  t.is(await cacheText(t), csv(source));
  // 5 full pages; the last ends one bar before `until`, so no sixth request.
  t.deepEqual(klines(emu).map((r) => r.query.limit), Array(5).fill('500'));
  t.is(pages.filter((p) => p.kind === 'page').length, 5);
  t.deepEqual([...new Set(emu.requests.map((r) => r.path))].sort(), ['/api/v3/exchangeInfo', '/api/v3/klines']);
  t.true(emu.requests.every((r) => r.method === 'GET' && r.status === 200));
  t.log(`candles: ${emu.realData ? '../shared/data' : 'generated (../shared/data absent)'}`);
});

test.serial('each symbol has its own cache and its own candles', async (t) => {
  const { emu } = t.context;
  const eth = emu.candles('ETHUSDT');
  const source = sliceCandles(eth, 100, 400);
  const until = eth.timestamp[400];
  const [btc, got] = await Promise.all([t.context.fetch({ since: source.timestamp[0], until }), t.context.fetch({ symbol: 'ETH/USDT', since: source.timestamp[0], until })]);
  t.deepEqual(got, source);
  t.true(btc.close.length > 0);
  t.notDeepEqual(btc.close.subarray(0, 10), got.close.subarray(0, 10));
  t.true(existsSync(candleCachePath(t.context.cacheDir, 'binance', 'ETH/USDT', '1h')));
});

test.serial('429s, 5xx, timeouts and a cut-off body are retried and the result is still exact', async (t) => {
  const { emu } = t.context;
  const { until, source } = window(emu);
  // Spread over the five pages so that no one request needs more than maxRetries (3) retries.
  emu.inject({ kind: 'status', status: 503, count: 1, endpoint: 'exchangeInfo' });
  emu.inject({ kind: 'status', status: 429, count: 2, retryAfterS: 0 }); // page 1
  emu.inject({ kind: 'status', status: 500, count: 1, skip: 1 }); // page 2
  emu.inject({ kind: 'status', status: 502, count: 1 });
  emu.inject({ kind: 'status', status: 503, count: 1, skip: 1 }); // page 3
  emu.inject({ kind: 'delay', ms: 1500, count: 1, skip: 1 }); // page 4, past the 1 s timeout
  emu.inject({ kind: 'malformed', count: 1, skip: 1 }); // page 5
  const retries: FetchProgress[] = [];
  const got = await t.context.fetch({
    until,
    limit: 500,
    exchangeOptions: { timeout: 1000 },
    onProgress: (p) => p.kind === 'retry' && retries.push(p),
  });
  t.deepEqual(got, source);
  t.is(await cacheText(t), csv(source));
  t.is(retries.length, 8);
  t.regex(retries[0].kind === 'retry' ? retries[0].what : '', /loading markets$/);
  const statuses = emu.requests.map((r) => r.status);
  t.deepEqual(statuses.filter((s) => s >= 400).sort(), [429, 429, 500, 502, 503, 503]);
});

test.serial('Retry-After on a 429 is honoured even when the backoff is shorter', async (t) => {
  const { emu } = t.context;
  const { since, source } = window(emu);
  emu.inject({ kind: 'status', status: 429, count: 1, retryAfterS: 1 });
  const delays: number[] = [];
  const started = Date.now();
  const got = await t.context.fetch({ until: since + 10 * HOUR, onProgress: (p) => p.kind === 'retry' && delays.push(p.delayMs) });
  t.true(Date.now() - started >= 1000);
  t.is(delays.length, 1);
  t.true(delays[0] >= 1000);
  t.deepEqual(got, sliceCandles(source, 0, 10));
});

test.serial('exhausted retries fail with a clear error; the cache keeps the pages before it; a rerun completes', async (t) => {
  const { emu } = t.context;
  const { until, source } = window(emu);
  emu.inject({ kind: 'status', status: 503, count: 100, skip: 2 });
  const err = await t.throwsAsync(t.context.fetch({ until, limit: 500, maxRetries: 2 }));
  t.regex(err.message, /fetchCandles\(binance BTC\/USDT 1h\): fetchOHLCV since \S+ failed after 3 attempts \(maxRetries=2\): ExchangeNotAvailable: /);
  t.is(klines(emu).length, 2 + 3);
  t.is(await cacheText(t), csv(sliceCandles(source, 0, 1000)), 'the two pages before the failure are cached');

  const rerun = await startExchangeEmulator();
  t.teardown(() => rerun.close());
  const got = await t.context.fetch({ until, limit: 500, exchangeOptions: { urls: { api: rerun.apiUrls } } });
  t.deepEqual(got, source);
  t.is(klines(rerun)[0].query.startTime, String(source.timestamp[999] + HOUR), 'resumes after the last cached bar');
  t.is(await cacheText(t), csv(source));
});

test.serial('a fetch killed with a page in flight keeps every page before it; the next call resumes', async (t) => {
  const { emu, cacheDir } = t.context;
  const { since, until, source } = window(emu);
  emu.inject({ kind: 'delay', ms: 60_000, count: 1, skip: 2 }); // page 3 hangs until the kill
  const options = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h', since, until, limit: 500, cacheDir, exchangeOptions: { urls: { api: emu.apiUrls }, rateLimit: 1 } };
  const script = `const { fetchCandles } = await import(${JSON.stringify(new URL('../../src/data/ccxt-fetch.ts', import.meta.url).href)});
    await fetchCandles(${JSON.stringify(options)});`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'ignore' });
  const exited = once(child, 'exit');
  for (let waited = 0; klines(emu).length < 3; waited += 20) {
    if (waited > 30_000 || child.exitCode !== null) throw new Error(`the child fetch never reached page 3 (exit code ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  await exited;
  t.is(await cacheText(t), csv(sliceCandles(source, 0, 1000)), 'exactly the two completed pages');

  emu.requests.length = 0;
  t.deepEqual(await t.context.fetch({ until, limit: 500 }), source);
  t.is(klines(emu)[0].query.startTime, String(source.timestamp[999] + HOUR));
  t.is(await cacheText(t), csv(source));
});

test.serial('a second fetch requests only newer candles; a third with nothing new requests none', async (t) => {
  const { emu } = t.context;
  const { until, source } = window(emu);
  const mid = source.timestamp[1_300];
  t.deepEqual(await t.context.fetch({ until: mid }), sliceCandles(source, 0, 1_300));
  t.true(klines(emu).every((r) => r.query.limit === '1000'), 'the default page is the exchange maximum');

  emu.requests.length = 0;
  t.deepEqual(await t.context.fetch({ until }), source);
  const later = klines(emu);
  t.is(later[0].query.startTime, String(source.timestamp[1_299] + HOUR));
  t.true(later.every((r) => Number(r.query.startTime) > source.timestamp[1_299]));
  t.is(await cacheText(t), csv(source));

  emu.requests.length = 0;
  t.deepEqual(await t.context.fetch({ until }), source);
  t.deepEqual(klines(emu), []);
});

test.serial('a since before the cache fetches the missing stretch and keeps the cache whole', async (t) => {
  const { emu } = t.context;
  const { since, until, source } = window(emu);
  await t.context.fetch({ since: source.timestamp[600], until });
  emu.requests.length = 0;
  t.deepEqual(await t.context.fetch({ since, until, limit: 250 }), source);
  const starts = klines(emu).map((r) => Number(r.query.startTime));
  t.is(starts[0], since);
  t.true(starts.every((s) => s < source.timestamp[600] || s > source.timestamp[2_499]), 'the cached stretch is not fetched again');
  t.is(await cacheText(t), csv(source));
});

test.serial('short pages before the end do not stop the fetch', async (t) => {
  const { emu } = t.context;
  const { until, source } = window(emu);
  emu.inject({ kind: 'truncate', rows: 7, count: 3, skip: 1 });
  t.deepEqual(await t.context.fetch({ until, limit: 1000 }), source);
  t.deepEqual(klines(emu).slice(1, 4).map((r) => r.rows), [7, 7, 7]);
});

test.serial('overlapping pages and repeated rows are de-duplicated', async (t) => {
  const { emu } = t.context;
  const { until, source } = window(emu);
  emu.inject({ kind: 'overlap', rows: 40, count: 10 });
  t.deepEqual(await t.context.fetch({ until, limit: 500 }), source);
  t.is(await cacheText(t), csv(source));
  t.true(klines(emu).every((r) => r.rows === 1000), 'every page overlapped and repeated');
});

test.serial('a body that stays damaged fails with an error saying so', async (t) => {
  const { emu } = t.context;
  emu.inject({ kind: 'malformed', count: 10 });
  const err = await t.throwsAsync(t.context.fetch({ maxRetries: 1 }));
  t.regex(err.message, /failed after 2 attempts .*BadResponse: binance answered fetchOHLCV with a body that is not JSON/);
});

test.serial('an unknown symbol fails at once, naming the symbol and the exchange', async (t) => {
  const { emu } = t.context;
  const err = await t.throwsAsync(t.context.fetch({ symbol: 'FOO/USDT' }));
  t.is(err.message, 'fetchCandles: symbol "FOO/USDT" is not listed on binance (4 markets loaded)');
  const byId = await t.throwsAsync(t.context.fetch({ symbol: 'BTCUSDT' }));
  t.regex(byId.message, /"BTCUSDT" is its market id, the symbol is "BTC\/USDT"/);
  t.deepEqual(klines(emu), []);
});

test.serial('an exchange-side BadSymbol is not retried', async (t) => {
  const { emu } = t.context;
  const err = await t.throwsAsync(t.context.fetch({ symbol: 'LUNA/USDT' }));
  t.regex(err.message, /not retried, BadSymbol is not a transient error\): BadSymbol: binance .*Invalid symbol/);
  t.is(klines(emu).length, 1);
});

test.serial('a market with no history gives empty candles and no cache file', async (t) => {
  const got = await t.context.fetch({ symbol: 'SOL/USDT' });
  t.is(got.close.length, 0);
  t.false(existsSync(candleCachePath(t.context.cacheDir, 'binance', 'SOL/USDT', '1h')));
});

test.serial("requests keep to the exchange's rate limit", async (t) => {
  const { emu } = t.context;
  const { since } = window(emu);
  // ccxt weighs binance's exchangeInfo at 4 rateLimit units and a spot klines call at 0.4, and
  // makes each request wait until the previous one's cost has drained.
  const rateLimit = 100;
  await t.context.fetch({ until: since + 200 * HOUR, limit: 50, exchangeOptions: { rateLimit } });
  const at = emu.requests.map((r) => r.at);
  t.is(at.length, 1 + 4);
  t.true(at[1] - at[0] >= 4 * rateLimit * 0.9, `exchangeInfo, then klines ${at[1] - at[0]} ms later`);
  for (let i = 2; i < at.length; i++) t.true(at[i] - at[i - 1] >= 0.4 * rateLimit * 0.9, `klines ${at[i] - at[i - 1]} ms after the previous`);
});

test.serial('a client left pointing at the real API fails fast instead of reaching the internet', async (t) => {
  const started = Date.now();
  await t.throwsAsync(
    fetchCandles({ exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h', since: 0, cacheDir: t.context.cacheDir, maxRetries: 1, baseDelayMs: 5 }),
    { message: /loading markets failed.*network guard: connection to api\.binance\.com refused/ },
  );
  t.true(Date.now() - started < 5000);
  t.true(guard.attempts.includes('api.binance.com'));
  guard.attempts.length = 0; // expected here; the after-each check covers every other test
});

test.serial('bad arguments are rejected naming the argument and what is allowed', async (t) => {
  const { emu, cacheDir } = t.context;
  const base = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h', since: 0, cacheDir };
  await t.throwsAsync(fetchCandles({ ...base, exchange: 'nosuch' }), { message: 'fetchCandles: exchange must be a ccxt exchange id such as "binance" (got "nosuch")' });
  await t.throwsAsync(fetchCandles({ ...base, since: 1.5 }), { message: 'fetchCandles: since must be an integer ms timestamp >= 0 (got 1.5)' });
  await t.throwsAsync(fetchCandles({ ...base, until: 0 }), { message: 'fetchCandles: until must be an integer ms timestamp > since (0) (got 0)' });
  await t.throwsAsync(fetchCandles({ ...base, limit: 0 }), { message: 'fetchCandles: limit must be a positive integer (got 0)' });
  await t.throwsAsync(fetchCandles({ ...base, timeframe: '7h' }), { message: /^fetchCandles: timeframe "7h" is not offered by binance; allowed: 1s, 1m, .*1h/ });
  t.deepEqual(emu.requests, []);
});
