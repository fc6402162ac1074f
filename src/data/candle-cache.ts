/**
 * The on-disk candle cache behind `fetchCandles`: one CSV per exchange/symbol/timeframe, in the
 * same format as the shared data files (header timestamp,open,high,low,close,volume; ms
 * timestamps), so any CSV reader can load it. Rows are sorted with unique timestamps and cover
 * everything the exchange had between the first and the last row, which is what lets a fetch
 * resume after the last row. Writes are atomic (temp file + rename): a reader or a killed
 * process sees the old file or the new one, never half of one.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CANDLE_COLUMNS, emptyCandles, type Candles } from './candles.js';

const HEADER = CANDLE_COLUMNS.join(',');

/** `cacheDir/<exchange>/<symbol>-<timeframe>.csv`, the symbol's `/` and `:` made file-safe. */
export function candleCachePath(cacheDir: string, exchange: string, symbol: string, timeframe: string): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(cacheDir, safe(exchange), `${safe(symbol)}-${safe(timeframe)}.csv`);
}

/** The cached candles, or empty candles when there is no cache file yet. */
export async function readCandleCache(file: string): Promise<Candles> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyCandles(0);
    throw err;
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== HEADER) {
    throw new Error(`candle cache ${file}: line 1 is "${lines[0] ?? ''}", expected the header "${HEADER}"; delete the file to refetch`);
  }
  const c = emptyCandles(lines.length - 1);
  const cols = CANDLE_COLUMNS.map((k) => c[k]);
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r].split(',');
    if (cells.length !== cols.length) {
      throw new Error(`candle cache ${file}: line ${r + 1} has ${cells.length} fields, expected ${cols.length}; delete the file to refetch`);
    }
    for (let k = 0; k < cols.length; k++) {
      const v = Number(cells[k]);
      if (cells[k] === '' || !Number.isFinite(v)) {
        throw new Error(`candle cache ${file}: line ${r + 1}, column ${CANDLE_COLUMNS[k]} is "${cells[k]}", expected a finite number; delete the file to refetch`);
      }
      cols[k][r - 1] = v;
    }
    if (r > 1 && c.timestamp[r - 1] <= c.timestamp[r - 2]) {
      throw new Error(`candle cache ${file}: line ${r + 1}, timestamp ${c.timestamp[r - 1]} does not increase; delete the file to refetch`);
    }
  }
  return c;
}

/** CSV rows (with trailing newline) for rows [start, end) of `c`; String(x) round-trips doubles exactly. */
export function candleCsvRows(c: Candles, start = 0, end = c.timestamp.length): string {
  let out = '';
  for (let i = start; i < end; i++) {
    out += `${c.timestamp[i]},${c.open[i]},${c.high[i]},${c.low[i]},${c.close[i]},${c.volume[i]}\n`;
  }
  return out;
}

/**
 * Atomically replaces `file` with the header followed by `rows` (chunks from `candleCsvRows`,
 * kept by the caller so each flush does not re-serialise what it already wrote).
 */
export async function writeCandleCache(file: string, rows: readonly string[]): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  // A unique temp name: two fetches of the same series must not write into one temp file.
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(tmp, `${HEADER}\n${rows.join('')}`);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
