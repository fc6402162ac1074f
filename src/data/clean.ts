/**
 * Explicit OHLCV cleaning (SPEC §3): each step runs only when asked, in this order, and the
 * returned `changes` list every row it dropped (by original row index, with its reasons) and
 * every row it inserted. Nothing is dropped silently; the input is never modified.
 *
 * 1. dropInvalidRows: rows with a non-finite value, a price <= 0, negative volume,
 *    high < max(open, close) or low > min(open, close).
 * 2. sort: stable sort by timestamp (the first of equal timestamps stays first).
 * 3. dropDuplicates: keeps the first row of each timestamp (in the order after step 2).
 * 4. forwardFillGaps: inserts one flat bar per missing timeframe step, all prices at the
 *    previous close and volume 0 (the exchanges' own placeholder). Needs strictly increasing
 *    timestamps after the steps before it, otherwise it throws saying which step to enable.
 */
import { assertCandles, CANDLE_COLUMNS, emptyCandles, type Candles } from './candles.js';
import { inferTimeframeMs } from './validate.js';

export interface CleanOptions {
  dropDuplicates?: boolean;
  sort?: boolean;
  forwardFillGaps?: boolean;
  dropInvalidRows?: boolean;
  /** Bar length for forwardFillGaps; default the median timestamp step. */
  timeframeMs?: number;
}

export interface DroppedRow {
  /** 0-based index in the input candles. */
  row: number;
  timestamp: number;
  reasons: string[];
}

export interface InsertedRow {
  timestamp: number;
  /** Input row whose close was carried forward. */
  filledFrom: number;
}

export interface CleanChanges {
  rowsIn: number;
  rowsOut: number;
  dropped: DroppedRow[];
  inserted: InsertedRow[];
  /** Rows whose position changed when sorting. */
  moved: number;
}

function invalidReasons(c: Candles, i: number): string[] {
  const reasons: string[] = [];
  for (const col of CANDLE_COLUMNS) if (!Number.isFinite(c[col][i])) reasons.push(`${col} is ${c[col][i]}`);
  for (const col of ['open', 'high', 'low', 'close'] as const) if (c[col][i] <= 0) reasons.push(`${col} <= 0 (${c[col][i]})`);
  if (c.volume[i] < 0) reasons.push(`volume < 0 (${c.volume[i]})`);
  if (c.high[i] < Math.max(c.open[i], c.close[i])) reasons.push('high < max(open, close)');
  if (c.low[i] > Math.min(c.open[i], c.close[i])) reasons.push('low > min(open, close)');
  return reasons;
}

export function cleanOhlcv(candles: Candles, options: CleanOptions): { candles: Candles; changes: CleanChanges } {
  assertCandles(candles, 'cleanOhlcv: candles');
  if (options === null || typeof options !== 'object') throw new TypeError('cleanOhlcv: options must be an object');
  const n = candles.close.length;
  const dropped: DroppedRow[] = [];
  // Work on row indices; columns are gathered once at the end.
  let order = Array.from({ length: n }, (_, i) => i);

  if (options.dropInvalidRows) {
    order = order.filter((i) => {
      const reasons = invalidReasons(candles, i);
      if (reasons.length > 0) dropped.push({ row: i, timestamp: candles.timestamp[i], reasons });
      return reasons.length === 0;
    });
  }
  let moved = 0;
  if (options.sort) {
    const before = order.slice();
    order.sort((a, b) => candles.timestamp[a] - candles.timestamp[b] || a - b);
    moved = order.reduce((m, row, k) => m + (row !== before[k] ? 1 : 0), 0);
  }
  if (options.dropDuplicates) {
    const firstOf = new Map<number, number>();
    order = order.filter((i) => {
      const ts = candles.timestamp[i];
      const first = firstOf.get(ts);
      if (first === undefined) { firstOf.set(ts, i); return true; }
      dropped.push({ row: i, timestamp: ts, reasons: [`duplicate timestamp of row ${first}`] });
      return false;
    });
  }

  const inserted: InsertedRow[] = [];
  // Output rows: an input row index, or -1 - k for inserted row k.
  let rows = order;
  if (options.forwardFillGaps) {
    const tf = options.timeframeMs ?? inferTimeframeMs(Float64Array.from(order, (i) => candles.timestamp[i]));
    if (!(Number.isFinite(tf) && tf > 0)) throw new RangeError(`cleanOhlcv: timeframeMs must be a finite number > 0 (got ${tf})`);
    rows = [];
    for (let k = 0; k < order.length; k++) {
      const i = order[k];
      if (k > 0) {
        const prev = order[k - 1];
        if (!(candles.timestamp[i] > candles.timestamp[prev])) {
          throw new RangeError(`cleanOhlcv: forwardFillGaps needs strictly increasing timestamps, but row ${i} ` +
            `(${candles.timestamp[i]}) follows row ${prev} (${candles.timestamp[prev]}); enable sort and dropDuplicates`);
        }
        for (let ts = candles.timestamp[prev] + tf; ts < candles.timestamp[i]; ts += tf) {
          rows.push(-1 - inserted.length);
          inserted.push({ timestamp: ts, filledFrom: prev });
        }
      }
      rows.push(i);
    }
  }

  const out = emptyCandles(rows.length);
  rows.forEach((r, k) => {
    if (r >= 0) {
      for (const col of CANDLE_COLUMNS) out[col][k] = candles[col][r];
      return;
    }
    const fill = inserted[-1 - r];
    const c = candles.close[fill.filledFrom];
    out.timestamp[k] = fill.timestamp;
    out.open[k] = out.high[k] = out.low[k] = out.close[k] = c;
    out.volume[k] = 0;
  });
  dropped.sort((a, b) => a.row - b.row);
  return { candles: out, changes: { rowsIn: n, rowsOut: rows.length, dropped, inserted, moved } };
}
