/**
 * Real candles for tests: `../shared/data/<name>.csv` relative to the repository root when it
 * exists, else the seeded synthetic market with the same shape (rows, timeframe, start), so
 * tests run everywhere and never skip. `source` says which one was used.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Candles } from '../../src/data/candles.js';
import { loadCsv } from '../../src/data/csv.js';
import { syntheticCandles } from '../../src/data/synthetic.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DATA_DIR = join(REPO_ROOT, '..', 'shared', 'data');

export interface MarketData {
  name: string;
  candles: Candles;
  source: 'file' | 'synthetic';
  /** The file read, when source is 'file'. */
  path: string | null;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Shapes of the shared files (data/README.md), used for their synthetic stand-ins. */
const SHAPES: Record<string, { bars: number; timeframeMs: number; start: number }> = {
  'ADAUSDT-1h': { bars: 61612, timeframeMs: HOUR, start: Date.UTC(2018, 3, 17, 4) },
  'AVAXUSDT-1h': { bars: 40342, timeframeMs: HOUR, start: Date.UTC(2020, 8, 22, 6) },
  'BNBUSDT-1h': { bars: 65467, timeframeMs: HOUR, start: Date.UTC(2017, 10, 6, 3) },
  'BTCUSDT-1h': { bars: 67404, timeframeMs: HOUR, start: Date.UTC(2017, 7, 17, 4) },
  'BTCUSDT-1m': { bars: 69927, timeframeMs: 60_000, start: Date.UTC(2021, 3, 2) },
  'BTCUSDT-5m': { bars: 61999, timeframeMs: 300_000, start: Date.UTC(2022, 0, 1) },
  'DOGEUSDT-1h': { bars: 50992, timeframeMs: HOUR, start: Date.UTC(2019, 6, 5, 12) },
  'ETHUSDT-1h': { bars: 67404, timeframeMs: HOUR, start: Date.UTC(2017, 7, 17, 4) },
  'ETHUSDT-1m': { bars: 69925, timeframeMs: 60_000, start: Date.UTC(2021, 3, 2) },
  'ETHUSDT-5m': { bars: 61999, timeframeMs: 300_000, start: Date.UTC(2022, 0, 1) },
  'XRPUSDT-1h': { bars: 61200, timeframeMs: HOUR, start: Date.UTC(2018, 4, 4, 8) },
};
const EQUITY_SHAPE = { bars: 1259, timeframeMs: DAY, start: Date.UTC(2015, 0, 12) };

function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** `name` is a file stem under shared/data, e.g. `BTCUSDT-1h` or `equities-daily/DIS`. */
export function loadMarketData(name: string, dataDir = SHARED_DATA_DIR): MarketData {
  const path = join(dataDir, `${name}.csv`);
  if (existsSync(path)) return { name, candles: loadCsv(path), source: 'file', path };
  const shape = SHAPES[name] ?? (name.startsWith('equities-daily/') ? EQUITY_SHAPE : null);
  if (!shape) throw new Error(`loadMarketData: no file ${path} and no known shape for "${name}" (known: ${Object.keys(SHAPES).join(', ')}, equities-daily/<SYMBOL>)`);
  return { name, candles: syntheticCandles({ ...shape, seed: seedOf(name) }), source: 'synthetic', path: null };
}
