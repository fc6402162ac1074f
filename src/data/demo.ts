/**
 * The real demo data shipped with the package (data/demo, see its README): Binance spot
 * BTCUSDT and ETHUSDT 1h candles, 2023-05-01..2025-04-30, the default data of `ntp run`.
 * Found relative to this module, so it loads from any working directory.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { sliceCandles, type SymbolCandles } from './candles.js';
import { loadCsvFiles } from './csv.js';

export const DEMO_SYMBOLS = ['BTCUSDT', 'ETHUSDT'] as const;
export const DEMO_TIMEFRAME = '1h';

/** data/demo of this package (src/data under tsx, dist/src/data when compiled). */
export function demoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'data', 'demo');
    if (existsSync(join(candidate, `${DEMO_SYMBOLS[0]}-${DEMO_TIMEFRAME}.csv`))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`the demo data (data/demo/${DEMO_SYMBOLS[0]}-${DEMO_TIMEFRAME}.csv) is missing from this installation; use data.source synthetic, csv or ccxt`);
}

/** The demo symbols, each cut to its most recent `bars` bars (null: all). */
export function loadDemo(bars: number | null): { series: SymbolCandles[]; files: string[] } {
  const dir = demoDir();
  const files = DEMO_SYMBOLS.map((s) => join(dir, `${s}-${DEMO_TIMEFRAME}.csv`));
  const series = loadCsvFiles(files).map(({ candles }, i) => {
    const n = candles.close.length;
    return { symbol: DEMO_SYMBOLS[i], candles: bars === null || bars >= n ? candles : sliceCandles(candles, n - bars, n) };
  });
  return { series, files };
}
