/**
 * Columnar OHLCV candles (SPEC §3): one Float64Array per column, all the same length,
 * timestamps in ms since the epoch (UTC). This is the shape every layer passes around and
 * the shape the native addon reads zero-copy.
 */
export interface Candles {
  timestamp: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

export const CANDLE_COLUMNS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;
export type CandleColumn = (typeof CANDLE_COLUMNS)[number];

/** Candles of one instrument, with the name used in reports and multi-symbol datasets. */
export interface SymbolCandles {
  symbol: string;
  candles: Candles;
  /** Where the rows came from, when a file: messages then name the file and line. */
  origin?: RowOrigin;
}

/** The file a series was read from and the 1-based line (header counted) of each row. */
export interface RowOrigin {
  file: string;
  lineOf(row: number): number;
}

export function candleCount(c: Candles): number {
  return c.close.length;
}

/** Throws a TypeError/RangeError naming the column when `c` is not well-formed columnar candles. */
export function assertCandles(c: Candles, where = 'candles'): void {
  if (c === null || typeof c !== 'object') throw new TypeError(`${where} must be an object of Float64Array columns`);
  // close is checked first: its length is the one every other column must match.
  const columns = ['close', ...CANDLE_COLUMNS.filter((c) => c !== 'close')] as const;
  const n = c.close instanceof Float64Array ? c.close.length : -1;
  for (const col of columns) {
    const v = (c as unknown as Record<string, unknown>)[col];
    if (!(v instanceof Float64Array)) {
      throw new TypeError(`${where}.${col} must be a Float64Array (got ${describe(v)})`);
    }
    if (v.length !== n) throw new RangeError(`${where}.${col} has length ${v.length}, expected ${n} (the length of ${where}.close)`);
  }
}

/** A view of rows [start, end) sharing memory with `c` (no copy). */
export function sliceCandles(c: Candles, start: number, end: number): Candles {
  return {
    timestamp: c.timestamp.subarray(start, end),
    open: c.open.subarray(start, end),
    high: c.high.subarray(start, end),
    low: c.low.subarray(start, end),
    close: c.close.subarray(start, end),
    volume: c.volume.subarray(start, end),
  };
}

export function emptyCandles(n: number): Candles {
  return {
    timestamp: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'Array';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return typeof v;
}
