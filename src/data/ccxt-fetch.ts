/**
 * Public OHLCV candles from an exchange through ccxt (SPEC §3): paginated `fetchOHLCV`, the
 * exchange's rate limit, retries with exponential backoff, and an on-disk cache that a later
 * call resumes from. No API key is needed or used. `ntp fetch` calls `fetchCandles`.
 */
import ccxt, { type Exchange, type MarketInterface } from 'ccxt';
import { emptyCandles, type Candles } from './candles.js';
import { candleCachePath, candleCsvRows, readCandleCache, writeCandleCache } from './candle-cache.js';
import { parseRetryAfterMs, withRetry, type RetryNotice, type RetryPolicy } from './ccxt-retry.js';

export interface FetchCandlesOptions {
  /** ccxt exchange id, e.g. 'binance'. */
  exchange: string;
  /** Unified ccxt symbol, e.g. 'BTC/USDT'. */
  symbol: string;
  /** A timeframe the exchange offers, e.g. '1h'. */
  timeframe: string;
  /** First bar open time wanted, ms since the epoch (inclusive). */
  since: number;
  /** Bar open times before this, ms (exclusive); default: every bar already closed now. */
  until?: number;
  /** Candles per request; default: the exchange's maximum where ccxt knows it. */
  limit?: number;
  /** Folder of the candle cache (created when missing). */
  cacheDir: string;
  /** Extra ccxt constructor config, e.g. `{ urls: { api: {...} }, rateLimit, timeout }`. */
  exchangeOptions?: Record<string, unknown>;
  onProgress?: (p: FetchProgress) => void;
  /** Retries of one request after its first attempt (default 5). */
  maxRetries?: number;
  /** Delay before the first retry, doubled for each later one (default 1000 ms). */
  baseDelayMs?: number;
}

/** One bar as fetchPage checked it: [timestamp, open, high, low, close, volume]. */
type Row = [number, number, number, number, number, number];

export type FetchProgress =
  /** A page was received and the cache written: `added` new bars, `total` in the cache. */
  | { kind: 'page'; page: number; added: number; total: number; lastTimestamp: number }
  /** A transient failure of the request `what`; it is repeated after `delayMs`. */
  | { kind: 'retry'; what: string; attempt: number; delayMs: number; error: string };

/**
 * ccxt options per exchange that keep market loading to the public spot endpoints: binance would
 * otherwise also load futures markets (fapi, dapi) and, given keys, margin pairs and currencies
 * (sapi). Callers can widen them through `exchangeOptions.options`.
 */
const PUBLIC_DATA_OPTIONS: Record<string, Record<string, unknown>> = {
  binance: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
};

/**
 * The candles of `symbol` with `since <= timestamp < until`, fetched page by page and cached
 * under `cacheDir`. The cache is rewritten atomically after every page, so a killed fetch loses
 * at most the page in flight; a later call requests only bars newer than the cache's last (and,
 * when `since` is earlier than the cache's first bar, the missing stretch before it).
 */
export async function fetchCandles(o: FetchCandlesOptions): Promise<Candles> {
  checkOptions(o);
  const label = `fetchCandles(${o.exchange} ${o.symbol} ${o.timeframe})`;
  const exchange = createExchange(o);
  try {
    const policy: RetryPolicy = { maxRetries: o.maxRetries ?? 5, baseDelayMs: o.baseDelayMs ?? 1000 };
    const hooks = {
      retryAfterMs: (err: Error) =>
        err instanceof ccxt.DDoSProtection || err instanceof ccxt.RateLimitExceeded
          ? parseRetryAfterMs(exchange.last_response_headers?.['Retry-After'])
          : undefined,
      onRetry: (n: RetryNotice) => o.onProgress?.({ kind: 'retry', what: n.what, attempt: n.attempt, delayMs: n.delayMs, error: n.error.message }),
    };
    // reload=true: ccxt keeps a failed load's rejected promise and would hand it to every retry.
    await withRetry(`${label}: loading markets`, policy, () => exchange.loadMarkets(true), hooks);
    const market = findMarket(exchange, o.symbol);
    const limit = o.limit ?? defaultLimit(exchange, market);
    const span = barSpanMs(o.timeframe);
    // A bar still open now would be cached half-formed and never refetched: stop before it.
    const end = Math.min(o.until ?? Infinity, Date.now() - span.max + 1);

    const pages = (start: number, stopAt: number, onPage: (rows: Row[]) => Promise<void>) =>
      pageThrough(start, stopAt, span.min, onPage, (cursor) =>
        withRetry(`${label}: fetchOHLCV since ${new Date(cursor).toISOString()}`, policy, () => fetchPage(exchange, o.symbol, o.timeframe, cursor, limit), hooks),
      );

    const file = candleCachePath(o.cacheDir, o.exchange, o.symbol, o.timeframe);
    let series = Series.of(await readCandleCache(file));
    let page = 0;
    const progress = (added: number, total: number, lastTimestamp: number) =>
      o.onProgress?.({ kind: 'page', page: ++page, added, total, lastTimestamp });
    if (series.length > 0 && o.since < series.first) {
      // Bars before the cache go in front of it, written only once complete: the cache must
      // have no holes for resuming after its last bar to be right.
      const before = new Series();
      await pages(o.since, Math.min(end, series.first), async (rows) => {
        before.append(rows);
        progress(rows.length, before.length + series.length, before.last);
      });
      series = before.concat(series);
      await writeCandleCache(file, series.csvChunks);
    }
    // Resume after the last cached bar even when `since` is later, for the same reason.
    await pages(series.length > 0 ? series.last + span.min : o.since, end, async (rows) => {
      series.append(rows);
      await writeCandleCache(file, series.csvChunks);
      progress(rows.length, series.length, series.last);
    });
    return series.range(o.since, o.until ?? Infinity);
  } finally {
    await exchange.close();
  }
}

/**
 * Requests pages from `start`, each one from the earliest time the next bar can open (bars open
 * at least `minSpacing` apart), until a page brings no new bar before `stopAt` or no bar can open
 * before it any more. A short page is not taken as the end (exchanges cut pages short); only an
 * empty one is. Rows are sorted and de-duplicated before `onPage`.
 */
async function pageThrough(
  start: number,
  stopAt: number,
  minSpacing: number,
  onPage: (rows: Row[]) => Promise<void>,
  request: (cursor: number) => Promise<Row[]>,
): Promise<void> {
  let cursor = start;
  while (cursor < stopAt) {
    const received = (await request(cursor)).filter((r) => r[0] >= cursor && r[0] < stopAt).sort((a, b) => a[0] - b[0]);
    const rows = received.filter((r, i) => i === 0 || r[0] !== received[i - 1][0]);
    if (rows.length === 0) return;
    await onPage(rows);
    cursor = rows[rows.length - 1][0] + minSpacing;
  }
}

/**
 * The shortest and longest time one bar of `timeframe` spans. ccxt counts a month as 30 days,
 * but calendar months run 28 to 31 and years 365 or 366 days, and using 30 would skip a
 * February bar or call a 31-day month's bar closed a day early.
 */
function barSpanMs(timeframe: string): { min: number; max: number } {
  const n = Number(timeframe.slice(0, -1));
  const day = 86_400_000;
  switch (timeframe.slice(-1)) {
    case 'M':
      return { min: n * 28 * day, max: n * 31 * day };
    case 'y':
      return { min: n * 365 * day, max: n * 366 * day };
    default: {
      const ms = ccxt.parseTimeframe(timeframe) * 1000;
      return { min: ms, max: ms };
    }
  }
}

/** One fetchOHLCV call, rejecting bodies ccxt could not read as rows of six finite numbers. */
async function fetchPage(exchange: Exchange, symbol: string, timeframe: string, since: number, limit: number | undefined): Promise<Row[]> {
  const rows = await exchange.fetchOHLCV(symbol, timeframe, since, limit);
  // ccxt turns a body that is not JSON into an empty list, which would read as "no more data";
  // last_json_response (enabled in createExchange) is undefined exactly in that case.
  if (exchange.last_json_response === undefined) {
    const body = String(exchange.last_http_response ?? '').slice(0, 80);
    throw new ccxt.BadResponse(`${exchange.id} answered fetchOHLCV with a body that is not JSON (cut off or damaged): "${body}"`);
  }
  return rows.map((row, i) => {
    const bad = row.findIndex((v, k) => typeof v !== 'number' || !Number.isFinite(v) || (k === 0 && !Number.isInteger(v)));
    if (row.length < 6 || bad >= 0) {
      throw new ccxt.BadResponse(`${exchange.id} fetchOHLCV row ${i} is ${JSON.stringify(row)}: expected [timestamp, open, high, low, close, volume] as finite numbers`);
    }
    return row.slice(0, 6) as Row;
  });
}

function createExchange(o: FetchCandlesOptions): Exchange {
  const Class = (ccxt as unknown as Record<string, new (config: Record<string, unknown>) => Exchange>)[o.exchange];
  const userOptions = (o.exchangeOptions?.options ?? {}) as Record<string, unknown>;
  const exchange = new Class({
    ...o.exchangeOptions,
    enableRateLimit: true, // the exchange's published limits, always (SPEC §3)
    enableLastJsonResponse: true, // lets fetchPage tell a damaged body from an empty page
    options: { ...PUBLIC_DATA_OPTIONS[o.exchange], ...userOptions },
  });
  if (exchange.has['fetchOHLCV'] !== true && exchange.has['fetchOHLCV'] !== 'emulated') {
    throw new Error(`fetchCandles: exchange "${o.exchange}" does not offer OHLCV candles (ccxt has.fetchOHLCV is ${String(exchange.has['fetchOHLCV'])})`);
  }
  const timeframes = Object.keys(exchange.timeframes ?? {});
  if (!timeframes.includes(o.timeframe)) {
    throw new RangeError(`fetchCandles: timeframe "${o.timeframe}" is not offered by ${o.exchange}; allowed: ${timeframes.join(', ')}`);
  }
  return exchange;
}

function findMarket(exchange: Exchange, symbol: string): MarketInterface {
  const markets = exchange.markets ?? {};
  const market = markets[symbol];
  if (market !== undefined) return market;
  const byId = exchange.markets_by_id?.[symbol]?.[0]?.symbol as string | undefined;
  const hint = byId !== undefined ? `; "${symbol}" is its market id, the symbol is "${byId}"` : '';
  throw new Error(`fetchCandles: symbol "${symbol}" is not listed on ${exchange.id} (${Object.keys(markets).length} markets loaded${hint})`);
}

/** The largest page ccxt documents for this market type, or undefined (the exchange's default). */
function defaultLimit(exchange: Exchange, market: MarketInterface): number | undefined {
  const type = market.type === undefined ? undefined : exchange.features?.[market.type];
  const limit = (type?.['fetchOHLCV'] as { limit?: unknown } | undefined)?.limit;
  return typeof limit === 'number' ? limit : undefined;
}

function checkOptions(o: FetchCandlesOptions): void {
  const fail = (key: string, got: unknown, allowed: string): never => {
    throw new RangeError(`fetchCandles: ${key} must be ${allowed} (got ${JSON.stringify(got)})`);
  };
  if (typeof o.exchange !== 'string' || !ccxt.exchanges.includes(o.exchange)) fail('exchange', o.exchange, 'a ccxt exchange id such as "binance"');
  if (typeof o.symbol !== 'string' || o.symbol === '') fail('symbol', o.symbol, 'a unified symbol such as "BTC/USDT"');
  if (typeof o.timeframe !== 'string' || o.timeframe === '') fail('timeframe', o.timeframe, 'a timeframe such as "1h"');
  if (!Number.isSafeInteger(o.since) || o.since < 0) fail('since', o.since, 'an integer ms timestamp >= 0');
  if (o.until !== undefined && (!Number.isSafeInteger(o.until) || o.until <= o.since)) fail('until', o.until, `an integer ms timestamp > since (${o.since})`);
  if (o.limit !== undefined && (!Number.isInteger(o.limit) || o.limit < 1)) fail('limit', o.limit, 'a positive integer');
  if (typeof o.cacheDir !== 'string' || o.cacheDir === '') fail('cacheDir', o.cacheDir, 'a folder path');
  if (o.maxRetries !== undefined && (!Number.isInteger(o.maxRetries) || o.maxRetries < 0)) fail('maxRetries', o.maxRetries, 'an integer >= 0');
  if (o.baseDelayMs !== undefined && (!Number.isFinite(o.baseDelayMs) || o.baseDelayMs < 0)) fail('baseDelayMs', o.baseDelayMs, 'a number of ms >= 0');
}

/** Sorted unique candles growing at the end, with the cache's CSV text kept per page. */
class Series {
  private readonly cols: number[][] = [[], [], [], [], [], []];
  readonly csvChunks: string[] = [];

  static of(c: Candles): Series {
    const s = new Series();
    s.push([c.timestamp, c.open, c.high, c.low, c.close, c.volume]);
    if (c.timestamp.length > 0) s.csvChunks.push(candleCsvRows(c));
    return s;
  }

  get length(): number {
    return this.cols[0].length;
  }
  get first(): number {
    return this.cols[0][0];
  }
  get last(): number {
    return this.cols[0][this.length - 1];
  }

  /** Appends rows that all lie after `last` (pageThrough guarantees it). */
  append(rows: Row[]): void {
    const page = emptyCandles(rows.length);
    const cols = [page.timestamp, page.open, page.high, page.low, page.close, page.volume];
    rows.forEach((row, i) => cols.forEach((col, k) => (col[i] = row[k])));
    this.push(cols);
    this.csvChunks.push(candleCsvRows(page));
  }

  /** This series followed by `later`, whose bars all come after this one's. */
  concat(later: Series): Series {
    const s = new Series();
    s.push(this.cols);
    s.push(later.cols);
    s.csvChunks.push(...this.csvChunks, ...later.csvChunks);
    return s;
  }

  /** A copy of the bars with from <= timestamp < to. */
  range(from: number, to: number): Candles {
    const ts = this.cols[0];
    let lo = 0;
    while (lo < ts.length && ts[lo] < from) lo++;
    let hi = lo;
    while (hi < ts.length && ts[hi] < to) hi++;
    const col = (k: number) => Float64Array.from(this.cols[k].slice(lo, hi));
    return { timestamp: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) };
  }

  // A loop, not push(...col): spreading 100k+ values overflows the call stack.
  private push(cols: ArrayLike<number>[]): void {
    cols.forEach((col, k) => {
      for (let i = 0; i < col.length; i++) this.cols[k].push(col[i]);
    });
  }
}
