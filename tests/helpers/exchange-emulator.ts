/**
 * A local stand-in for the Binance spot REST API, so the real ccxt `binance` client can be
 * tested without the internet. It serves only what ccxt's binance client calls for public
 * candles: GET /api/v3/exchangeInfo (fetchMarkets with types ['spot']) and GET /api/v3/klines
 * (fetchOHLCV). Candles come from ../shared/data (BTCUSDT-1h, ETHUSDT-1h) or, where that folder
 * is absent, from a seeded random walk, so tests never skip. Faults are injected on demand and
 * every request is recorded for assertions.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { emptyCandles, type Candles } from '../../src/data/candles.js';

const SHARED_DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const HOUR_MS = 3_600_000;
const DEFAULT_LIMIT = 500; // Binance spot klines: default 500, max 1000
const MAX_LIMIT = 1000;

export interface EmulatedMarket {
  id: string; // Binance market id, e.g. BTCUSDT
  base: string;
  quote: string;
}

/**
 * The markets exchangeInfo lists. SOLUSDT has no candles (an empty history); LUNAUSDT is still
 * listed but klines rejects it as an invalid symbol, as Binance does around a delisting.
 */
export const EMULATED_MARKETS: readonly EmulatedMarket[] = [
  { id: 'BTCUSDT', base: 'BTC', quote: 'USDT' },
  { id: 'ETHUSDT', base: 'ETH', quote: 'USDT' },
  { id: 'SOLUSDT', base: 'SOL', quote: 'USDT' },
  { id: 'LUNAUSDT', base: 'LUNA', quote: 'USDT' },
];

export type FaultEndpoint = 'klines' | 'exchangeInfo';

/**
 * One fault, applied to `count` requests of `endpoint` (default klines) after letting `skip`
 * of them through untouched (default 0). Faults queue in the order injected.
 */
export type Fault = { count: number; skip?: number; endpoint?: FaultEndpoint } & (
  | { kind: 'status'; status: 429 | 418 | 500 | 502 | 503 | 504; retryAfterS?: number }
  | { kind: 'delay'; ms: number }
  /** Answer with at most `rows` rows even though more exist before the end (a short page). */
  | { kind: 'truncate'; rows: number }
  /** A 200 whose body is cut off mid-JSON, as from a dropped connection behind a proxy. */
  | { kind: 'malformed' }
  /** The page starts `rows` bars before startTime and repeats each row: overlapping pages. */
  | { kind: 'overlap'; rows: number }
);

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  at: number; // Date.now() on arrival
  rows?: number; // klines rows answered
}

export interface ExchangeEmulator {
  /** Every ccxt binance `urls.api` entry pointed here, for `exchangeOptions.urls.api`. */
  apiUrls: Record<string, string>;
  /** Whether the candles are the real ../shared/data files (false: generated). */
  realData: boolean;
  requests: RecordedRequest[];
  /** The 1h candles served for a market id, e.g. BTCUSDT. */
  candles(marketId: string): Candles;
  inject(fault: Fault): void;
  close(): Promise<void>;
}

/** Starts the emulator on 127.0.0.1, an ephemeral port. Close it in teardown. */
export async function startExchangeEmulator(): Promise<ExchangeEmulator> {
  const realData = existsSync(`${SHARED_DATA}BTCUSDT-1h.csv`) && existsSync(`${SHARED_DATA}ETHUSDT-1h.csv`);
  const series = new Map<string, Candles>([
    ['BTCUSDT', realData ? readCsv(`${SHARED_DATA}BTCUSDT-1h.csv`) : randomWalk(1, 30_000)],
    ['ETHUSDT', realData ? readCsv(`${SHARED_DATA}ETHUSDT-1h.csv`) : randomWalk(2, 2_000)],
    ['SOLUSDT', emptyCandles(0)],
  ]);
  const faults: Fault[] = [];
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => reply(res, 500, { code: -1000, msg: `emulator bug: ${String(err)}` }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: RecordedRequest = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), status: 0, at: Date.now() };
    requests.push(record);
    const endpoint: FaultEndpoint | undefined =
      url.pathname === '/api/v3/klines' ? 'klines' : url.pathname === '/api/v3/exchangeInfo' ? 'exchangeInfo' : undefined;
    if (req.method !== 'GET' || endpoint === undefined) {
      record.status = 404;
      return reply(res, 404, { code: -1, msg: `emulator does not serve ${req.method} ${url.pathname}` });
    }
    const fault = takeFault(endpoint);
    // unref: a reply still being held back must not keep the test process alive after close().
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms).unref());
    if (fault?.kind === 'status') {
      record.status = fault.status;
      if (fault.status === 429 || fault.status === 418) {
        const headers: Record<string, string> = fault.retryAfterS === undefined ? {} : { 'Retry-After': String(fault.retryAfterS) };
        return reply(res, fault.status, { code: -1003, msg: 'Too much request weight used; injected by the emulator.' }, headers);
      }
      // 5xx come from Binance's front proxies as HTML, not as API JSON.
      res.writeHead(fault.status, { 'Content-Type': 'text/html' });
      res.end(`<html><body><h1>${fault.status}</h1>injected by the emulator</body></html>`);
      return;
    }
    if (endpoint === 'exchangeInfo') {
      record.status = 200;
      return reply(res, 200, exchangeInfo());
    }
    const answer = klines(url.searchParams, fault?.kind === 'overlap' ? fault.rows : 0);
    record.status = answer.status;
    if (answer.status !== 200) return reply(res, answer.status, answer.body);
    let rows = answer.body as unknown[];
    if (fault?.kind === 'truncate') rows = rows.slice(0, fault.rows);
    if (fault?.kind === 'overlap') rows = rows.flatMap((r) => [r, r]);
    record.rows = rows.length;
    if (fault?.kind === 'malformed') {
      const text = JSON.stringify(rows);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
      return;
    }
    reply(res, 200, rows);
  }

  function takeFault(endpoint: FaultEndpoint): Fault | undefined {
    const i = faults.findIndex((f) => (f.endpoint ?? 'klines') === endpoint);
    if (i < 0) return undefined;
    const fault = faults[i];
    if ((fault.skip ?? 0) > 0) {
      fault.skip = (fault.skip ?? 0) - 1;
      return undefined;
    }
    fault.count -= 1;
    if (fault.count <= 0) faults.splice(i, 1);
    return fault;
  }

  /**
   * Binance semantics: rows with startTime <= open time <= endTime, oldest first, at most limit;
   * `rewind` bars before startTime are included too (the overlap fault).
   */
  function klines(q: URLSearchParams, rewind: number): { status: number; body: unknown } {
    const symbol = q.get('symbol');
    if (symbol === null) return { status: 400, body: { code: -1102, msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed." } };
    const c = series.get(symbol);
    if (c === undefined) return { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } };
    if (q.get('interval') !== '1h') return { status: 400, body: { code: -1120, msg: 'Invalid interval.' } };
    const limit = q.has('limit') ? Number(q.get('limit')) : DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      return { status: 400, body: { code: -1130, msg: "Data sent for parameter 'limit' is not valid." } };
    }
    const start = q.has('startTime') ? Number(q.get('startTime')) : undefined;
    const end = q.has('endTime') ? Number(q.get('endTime')) : undefined;
    const ts = c.timestamp;
    let lo = start === undefined ? 0 : Math.max(0, lowerBound(ts, start) - rewind);
    let hi = end === undefined ? ts.length : lowerBound(ts, end + 1);
    // Without startTime Binance answers the most recent `limit` rows up to endTime.
    if (start === undefined) lo = Math.max(lo, hi - limit);
    hi = Math.min(hi, lo + limit);
    const rows: unknown[] = [];
    for (let i = lo; i < hi; i++) rows.push(klineRow(c, i));
    return { status: 200, body: rows };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    apiUrls: await binanceApiUrls(baseUrl),
    realData,
    requests,
    candles(marketId) {
      const c = series.get(marketId);
      if (c === undefined) throw new RangeError(`emulator has no candles for ${marketId}`);
      return c;
    },
    inject(fault) {
      faults.push({ ...fault });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/**
 * Redirects every `urls.api` entry of ccxt's binance class to the emulator, keeping each URL's
 * path, so a call to an endpoint we do not serve is recorded as a 404 here instead of leaving
 * the machine.
 */
async function binanceApiUrls(baseUrl: string): Promise<Record<string, string>> {
  const { binance } = await import('ccxt');
  const api = (new binance().urls as { api: Record<string, string> }).api;
  return Object.fromEntries(Object.entries(api).map(([key, url]) => [key, baseUrl + new URL(url).pathname]));
}

/**
 * Makes any socket connection to a host other than 127.0.0.1 fail at once in this process, and
 * records the attempt, so a test that would reach the internet fails instead of hanging on DNS
 * or a connect timeout. Returns the attempted hosts and a restore function.
 */
export function guardLoopbackOnly(): { attempts: string[]; restore(): void } {
  const original = Socket.prototype.connect;
  const attempts: string[] = [];
  Socket.prototype.connect = function guarded(this: Socket, ...args: unknown[]) {
    const host = connectTarget(args);
    attempts.push(host);
    if (host !== '127.0.0.1' && !host.startsWith('unix:')) {
      process.nextTick(() => this.destroy(new Error(`network guard: connection to ${host} refused (tests may reach only 127.0.0.1)`)));
      return this;
    }
    return (original as (...a: unknown[]) => Socket).apply(this, args);
  } as typeof Socket.prototype.connect;
  return {
    attempts,
    restore() {
      Socket.prototype.connect = original;
    },
  };
}

/**
 * The host a Socket#connect call targets. Its forms: (options, cb), (port, host?, cb?),
 * (path, cb), and net.connect's pre-normalised ([options, cb]).
 */
function connectTarget(args: unknown[]): string {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (typeof first === 'number') return typeof args[1] === 'string' ? args[1] : 'localhost';
  if (typeof first === 'string') return `unix:${first}`;
  const o = (first ?? {}) as { host?: string; path?: string };
  if (o.path !== undefined) return `unix:${o.path}`;
  return o.host ?? 'localhost';
}

function exchangeInfo(): unknown {
  return {
    timezone: 'UTC',
    serverTime: Date.now(),
    rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 }],
    exchangeFilters: [],
    symbols: EMULATED_MARKETS.map((m) => ({
      symbol: m.id,
      status: 'TRADING',
      baseAsset: m.base,
      baseAssetPrecision: 8,
      quoteAsset: m.quote,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      orderTypes: ['LIMIT', 'MARKET'],
      isSpotTradingAllowed: true,
      isMarginTradingAllowed: false,
      filters: [
        { filterType: 'PRICE_FILTER', minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' },
        { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
      ],
      permissions: [],
      permissionSets: [['SPOT']],
    })),
  };
}

/** Binance's kline row: open time, OHLCV as decimal strings, close time, then fields ccxt ignores. */
function klineRow(c: Candles, i: number): unknown[] {
  const t = c.timestamp[i];
  // String(x) round-trips a double exactly, so the client can reproduce the source bit for bit.
  return [t, String(c.open[i]), String(c.high[i]), String(c.low[i]), String(c.close[i]), String(c.volume[i]), t + HOUR_MS - 1, '0', 0, '0', '0', '0'];
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The shared files' exact format: header timestamp,open,high,low,close,volume; ms timestamps. */
function readCsv(file: string): Candles {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  if (lines[0].trim() !== 'timestamp,open,high,low,close,volume') throw new Error(`${file}: unexpected header "${lines[0]}"`);
  const c = emptyCandles(lines.length - 1);
  const cols = [c.timestamp, c.open, c.high, c.low, c.close, c.volume];
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r].split(',');
    for (let k = 0; k < 6; k++) cols[k][r - 1] = Number(cells[k]);
  }
  return c;
}

/** Seeded hourly random walk from 2024-01-01 with one 5-bar outage gap, like the real files. */
function randomWalk(seed: number, n: number): Candles {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0; // LCG: deterministic across runs
    return s / 2 ** 32;
  };
  const c = emptyCandles(n);
  let t = Date.UTC(2024, 0, 1);
  let price = 100 * seed;
  for (let i = 0; i < n; i++) {
    if (i === Math.floor(n / 3)) t += 5 * HOUR_MS;
    const open = price;
    price = Math.round(price * Math.exp((rand() - 0.5) * 0.02) * 100) / 100;
    c.timestamp[i] = t;
    c.open[i] = open;
    c.close[i] = price;
    c.high[i] = Math.round(Math.max(open, price) * (1 + rand() * 0.005) * 100) / 100;
    c.low[i] = Math.round(Math.min(open, price) * (1 - rand() * 0.005) * 100) / 100;
    c.volume[i] = Math.round(rand() * 1e6) / 1e3;
    t += HOUR_MS;
  }
  return c;
}
