/**
 * Streaming OHLCV CSV loader (SPEC §3). The file is read in fixed-size chunks and each field is
 * parsed from the bytes into growable Float64Array columns: no per-row objects, no string per
 * line, memory bounded by the columns plus one chunk and one maximal line.
 *
 * Rules (decisions where the SPEC is silent):
 * - Line 1 is the header; names are case-insensitive, trimmed, optionally double-quoted.
 *   `timestamp|time|date|open_time`, `open`, `high`, `low`, `close`, `volume` are required;
 *   other columns are ignored. The delimiter (`,` or `;`) is the one the header uses; a data
 *   row containing the other one is an error. The decimal separator is always `.`.
 * - Timestamps: ISO-8601 (UTC unless an offset is given) or numbers whose unit (s, ms, us, ns)
 *   is inferred from the first row's magnitude (see `timestampUnit`); stored as integer ms.
 * - Errors (CsvError, naming file, 1-based line and column): empty file, header only, missing
 *   or duplicated column, wrong field count, text or empty value in a number column, bad
 *   timestamp, a delimiter other than the header's, a line longer than MAX_LINE_BYTES.
 * - Loaded as they are and reported by `validateOhlcv` instead: unsorted or duplicate
 *   timestamps, gaps, NaN/Infinity prices or volume (written as NaN/Inf), non-positive prices,
 *   high < low and other OHLC inconsistencies, negative volume.
 * - Blank lines are skipped.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename, extname } from 'node:path';

import { CANDLE_COLUMNS, type CandleColumn, type Candles, type RowOrigin, type SymbolCandles } from './candles.js';
import { fieldText, looksLikeIsoDate, MS_PER_UNIT, parseIsoTimestamp, parseNumber, timestampUnit, type TimestampUnit } from './csv-fields.js';
import { namedFsError } from '../util/fs-errors.js';

/** Longest accepted line; a longer one (e.g. a file with no newlines) fails fast. */
export const MAX_LINE_BYTES = 1 << 20;
const CHUNK_BYTES = 1 << 20;

const ALIASES: Record<string, CandleColumn> = {
  timestamp: 'timestamp', time: 'timestamp', date: 'timestamp', open_time: 'timestamp',
  open: 'open', high: 'high', low: 'low', close: 'close', volume: 'volume',
};

export class CsvError extends Error {
  constructor(readonly file: string, readonly line: number, readonly column: string | null, detail: string) {
    super(`${file}: line ${line}${column ? `, column ${column}` : ''}: ${detail}`);
    this.name = 'CsvError';
  }
}

const LF = 10, CR = 13, COMMA = 44, SEMICOLON = 59, QUOTE = 34, SPACE = 32, TAB = 9;

interface Header {
  delimiter: number;
  /** For each field of a row: the index in CANDLE_COLUMNS it fills, or -1 when ignored. */
  fieldColumns: number[];
  /** Display name (as in the header, with its 1-based position) per field. */
  fieldNames: string[];
}

function parseHeader(file: string, text: string): Header {
  const hasComma = text.includes(','), hasSemicolon = text.includes(';');
  if (hasComma && hasSemicolon) throw new CsvError(file, 1, null, 'the header mixes "," and ";" delimiters');
  const delimiter = hasSemicolon ? SEMICOLON : COMMA;
  const names = text.split(hasSemicolon ? ';' : ',').map((n) => n.trim().replace(/^"(.*)"$/, '$1').trim());
  const fieldColumns: number[] = [];
  const seen = new Map<CandleColumn, string>();
  names.forEach((name, i) => {
    const col = ALIASES[name.toLowerCase()] ?? null;
    if (col) {
      const earlier = seen.get(col);
      if (earlier) throw new CsvError(file, 1, `"${name}" (${i + 1})`, `${earlier} and "${name}" both name the ${col} column`);
      seen.set(col, `"${name}"`);
    }
    fieldColumns.push(col ? CANDLE_COLUMNS.indexOf(col) : -1);
  });
  const missing = CANDLE_COLUMNS.filter((c) => !seen.has(c));
  if (missing.length > 0) {
    throw new CsvError(file, 1, null, `header row is missing ${missing.join(', ')} (got "${text.slice(0, 200)}"; ` +
      'required: timestamp|time|date|open_time, open, high, low, close, volume, case-insensitive)');
  }
  return { delimiter, fieldColumns, fieldNames: names.map((n, i) => `"${n}" (${i + 1})`) };
}

/** A Float64Array that doubles its capacity as rows arrive. */
class GrowableColumn {
  data = new Float64Array(1 << 14);
  push(length: number, v: number): void {
    if (length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[length] = v;
  }
  reserve(capacity: number): void {
    if (capacity <= this.data.length) return;
    const next = new Float64Array(capacity);
    next.set(this.data);
    this.data = next;
  }
}

const TIMESTAMP = CANDLE_COLUMNS.indexOf('timestamp');

class RowParser {
  /** In CANDLE_COLUMNS order. */
  readonly columns = CANDLE_COLUMNS.map(() => new GrowableColumn());
  rows = 0;
  private unit: TimestampUnit | 'iso' | null = null;
  private readonly otherDelimiter: number;

  constructor(private readonly file: string, private readonly header: Header) {
    this.otherDelimiter = header.delimiter === COMMA ? SEMICOLON : COMMA;
  }

  /** Parses the data row buf[start, end) (line terminator excluded) found on `line`. */
  row(buf: Uint8Array, start: number, end: number, line: number): void {
    const { fieldColumns, delimiter } = this.header;
    let field = 0;
    let fieldStart = start;
    for (let i = start; i <= end; i++) {
      if (i < end && buf[i] !== delimiter) {
        if (buf[i] === this.otherDelimiter) {
          throw new CsvError(this.file, line, null, `row contains "${String.fromCharCode(this.otherDelimiter)}" ` +
            `but the header's delimiter is "${String.fromCharCode(delimiter)}"`);
        }
        continue;
      }
      if (field >= fieldColumns.length) {
        throw new CsvError(this.file, line, null, `row has more than the header's ${fieldColumns.length} fields`);
      }
      const col = fieldColumns[field];
      if (col >= 0) this.store(col, buf, fieldStart, i, line, field);
      field++;
      fieldStart = i + 1;
    }
    if (field < fieldColumns.length) {
      throw new CsvError(this.file, line, this.header.fieldNames[field], `row has ${field} fields, the header has ${fieldColumns.length}`);
    }
    this.rows++;
  }

  private store(col: number, buf: Uint8Array, s: number, e: number, line: number, field: number): void {
    while (s < e && (buf[s] === SPACE || buf[s] === TAB || buf[s] === QUOTE)) s++;
    while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB || buf[e - 1] === QUOTE)) e--;
    const isTimestamp = col === TIMESTAMP;
    if (s === e) this.fail(line, field, `empty value (expected a ${isTimestamp ? 'timestamp' : 'number'})`);
    const value = isTimestamp ? this.timestamp(buf, s, e) : parseNumber(buf, s, e);
    if (value === null || (isTimestamp && !Number.isFinite(value))) {
      const text = fieldText(buf, s, Math.min(e, s + 60));
      this.fail(line, field, isTimestamp
        ? `"${text}" is not a timestamp (expected ${this.unit === 'iso' ? 'ISO-8601' : 'a number'} like the first row)`
        : `"${text}" is not a number`);
    }
    this.columns[col].push(this.rows, value as number);
  }

  private fail(line: number, field: number, what: string): never {
    throw new CsvError(this.file, line, this.header.fieldNames[field], what);
  }

  private timestamp(buf: Uint8Array, s: number, e: number): number | null {
    if (this.unit === null) {
      if (looksLikeIsoDate(buf, s, e)) this.unit = 'iso';
      else {
        const first = parseNumber(buf, s, e);
        if (first === null || !Number.isFinite(first)) return null;
        this.unit = timestampUnit(first);
      }
    }
    if (this.unit === 'iso') return parseIsoTimestamp(buf, s, e);
    const n = parseNumber(buf, s, e);
    return n === null ? null : Math.round(n * MS_PER_UNIT[this.unit]);
  }

  candles(): Candles {
    // Copy to the exact length so the over-allocated growth buffers can be freed.
    return Object.fromEntries(CANDLE_COLUMNS.map((c, i) => [c, this.columns[i].data.slice(0, this.rows)])) as unknown as Candles;
  }
}

/** Loads one OHLCV CSV file into columnar candles; throws CsvError on malformed input. */
export function loadCsv(path: string): Candles {
  return loadCsvWithOrigin(path).candles;
}

/** loadCsv, plus the line of each row (blank lines are skipped, so row i is not always on line i + 2). */
export function loadCsvWithOrigin(path: string): { candles: Candles; origin: RowOrigin } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
    if (fstatSync(fd).isDirectory()) {
      closeSync(fd);
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
  } catch (e) {
    throw namedFsError(e, path, 'read');
  }
  try {
    return parseStream(path, fstatSync(fd).size, (buf, offset, length) => readSync(fd, buf, offset, length, null));
  } catch (e) {
    throw namedFsError(e, path, 'read');
  } finally {
    closeSync(fd);
  }
}

/** Symbol of a candle file: its name without directory and extension (BTCUSDT-1h.csv -> BTCUSDT-1h). */
export function symbolFromPath(path: string): string {
  return basename(path, extname(path));
}

/** Loads several files, one symbol each (named by `symbolFromPath`); symbols must be distinct. */
export function loadCsvFiles(paths: readonly string[]): SymbolCandles[] {
  const seen = new Map<string, string>();
  for (const p of paths) {
    const symbol = symbolFromPath(p);
    const earlier = seen.get(symbol);
    if (earlier) throw new Error(`loadCsvFiles: ${earlier} and ${p} both give the symbol "${symbol}"`);
    seen.set(symbol, p);
  }
  return paths.map((p) => ({ symbol: symbolFromPath(p), ...loadCsvWithOrigin(p) }));
}

type Read = (buf: Buffer, offset: number, length: number) => number;

function parseStream(file: string, fileBytes: number, read: Read): { candles: Candles; origin: RowOrigin } {
  // Room for one chunk after a carried-over partial line of at most MAX_LINE_BYTES.
  const buf = Buffer.allocUnsafe(CHUNK_BYTES + MAX_LINE_BYTES);
  let filled = 0;
  let line = 0;
  let parser: RowParser | null = null;
  let bytesSeen = 0;
  // Rows parsed before each blank data line: row i is on line i + 2 + (entries <= i).
  const blankBefore: number[] = [];
  const handle = (start: number, end: number): void => {
    line++;
    if (end > start && buf[end - 1] === CR) end--;
    if (line === 1 && end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    if (end - start > MAX_LINE_BYTES) throw new CsvError(file, line, null, `line is longer than ${MAX_LINE_BYTES} bytes`);
    if (parser === null) {
      if (end === start) throw new CsvError(file, 1, null, 'header row required, the first line is empty');
      parser = new RowParser(file, parseHeader(file, buf.toString('utf8', start, end)));
    } else if (end > start) {
      parser.row(buf, start, end, line);
    } else {
      blankBefore.push(parser.rows);
    }
  };
  for (;;) {
    const got = read(buf, filled, CHUNK_BYTES);
    const eof = got === 0;
    filled += got;
    const view = buf.subarray(0, filled);
    let start = 0;
    for (let nl = view.indexOf(LF, start); nl !== -1; nl = view.indexOf(LF, start)) {
      handle(start, nl);
      start = nl + 1;
    }
    if (eof) {
      if (start < filled) handle(start, filled);
      break;
    }
    if (filled - start > MAX_LINE_BYTES) {
      throw new CsvError(file, line + 1, null, `line is longer than ${MAX_LINE_BYTES} bytes without a newline (is this a CSV file?)`);
    }
    if (parser !== null && bytesSeen === 0 && (parser as RowParser).rows > 0) {
      // Size the columns once from the first chunk's bytes per row instead of doubling.
      const p = parser as RowParser;
      const estimate = Math.ceil((fileBytes / start) * p.rows * 1.05);
      for (const col of p.columns) col.reserve(estimate);
    }
    bytesSeen += start;
    buf.copyWithin(0, start, filled);
    filled -= start;
  }
  const p = parser as RowParser | null;
  if (p === null) throw new CsvError(file, 1, null, 'file is empty (a header row and data rows are required)');
  if (p.rows === 0) throw new CsvError(file, line, null, 'file has a header but no data rows');
  return { candles: p.candles(), origin: { file, lineOf: (row) => row + 2 + countAtMost(blankBefore, row) } };
}

/** How many entries of the sorted `xs` are <= v. */
function countAtMost(xs: readonly number[], v: number): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
