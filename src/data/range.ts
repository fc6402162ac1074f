/**
 * Date ranges over candles (`--from/--to`, `data.from/data.to`): the bars with
 * from <= open time < to (half-open, like `ntp fetch --until`), plus `lookback` bars before
 * `from` so the first window of the range ends at its first bar. A range that selects nothing
 * is an error naming the series and the span of its data.
 */
import { sliceCandles, type Candles } from './candles.js';
import { parseIsoTimestamp } from './csv-fields.js';

/** A bound in ms since the epoch; null = open-ended. */
export interface DateRange {
  from: number | null;
  to: number | null;
}

/** A range the data cannot satisfy (empty, inverted, outside the data); the CLI exits 2 on it. */
export class DateRangeError extends RangeError {
  override name = 'DateRangeError';
}

/** ISO-8601 (UTC when no offset) or an integer of milliseconds since the epoch; throws naming `what`. */
export function parseDateBound(value: string | number, what: string): number {
  const text = String(value).trim();
  const ms = /^\d+$/.test(text) ? Number(text) : parseIsoTimestamp(Buffer.from(text), 0, Buffer.byteLength(text));
  if (!Number.isFinite(ms)) {
    throw new DateRangeError(`${what} must be an ISO-8601 date such as 2024-01-01 or 2024-01-01T12:00Z, or milliseconds since the epoch (got ${JSON.stringify(value)})`);
  }
  return ms;
}

export function isWholeRange(r: DateRange): boolean {
  return r.from === null && r.to === null;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z');

export function describeRange(r: DateRange): string {
  return `${r.from === null ? 'start' : iso(r.from)} .. ${r.to === null ? 'end' : iso(r.to)}`;
}

/** Throws when `to` is not after `from`. */
export function checkRange(r: DateRange): void {
  if (r.from !== null && r.to !== null && !(r.to > r.from)) {
    throw new DateRangeError(`the date range is empty: its end (--to / data.to, ${iso(r.to)}) must be after its start (--from / data.from, ${iso(r.from)})`);
  }
}

/** First index with timestamp >= t (timestamps increasing). */
function lowerBound(ts: Float64Array, t: number): number {
  let lo = 0, hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bars [first, end) of `candles` inside the range; throws naming `name` and the data's span when none is. */
export function rangeBars(candles: Candles, r: DateRange, name: string): { first: number; end: number } {
  checkRange(r);
  const ts = candles.timestamp;
  const n = ts.length;
  if (!isWholeRange(r)) {
    for (let i = 1; i < n; i++) {
      if (!(ts[i] > ts[i - 1])) {
        throw new DateRangeError(`${name}: a date range needs increasing timestamps, but row ${i} (${ts[i]}) is not after row ${i - 1} (${ts[i - 1]}); ` +
          'enable data.clean.sort / data.clean.dropDuplicates');
      }
    }
  }
  const first = r.from === null ? 0 : lowerBound(ts, r.from);
  const end = r.to === null ? n : lowerBound(ts, r.to);
  if (end <= first) {
    const span = n === 0 ? 'no bars' : `${n} bars from ${iso(ts[0])} to ${iso(ts[n - 1])}`;
    throw new DateRangeError(`${name}: no bar in the date range ${describeRange(r)} (the data has ${span})`);
  }
  return { first, end };
}

export interface RangedCandles {
  candles: Candles;
  /** Index (in `candles`) of the range's first bar; the bars before it are lookback only. */
  start: number;
}

/**
 * The range's bars plus up to `lookback` bars before them (fewer when the data starts later),
 * as a view sharing memory with `candles`.
 */
export function sliceRange(candles: Candles, r: DateRange, lookback: number, name: string): RangedCandles {
  const { first, end } = rangeBars(candles, r, name);
  const from = Math.max(0, first - lookback);
  return { candles: sliceCandles(candles, from, end), start: first - from };
}
