/** Writes `bars` seeded synthetic candles as a CSV file (the shared data's format) and returns its path. */
import { writeFileSync } from 'node:fs';

import { syntheticCandles } from '../../src/data/synthetic.js';

export function writeCsvFixture(path: string, bars: number, seed = 11): string {
  const c = syntheticCandles({ bars, seed });
  const rows = ['timestamp,open,high,low,close,volume'];
  for (let i = 0; i < bars; i++) rows.push(`${c.timestamp[i]},${c.open[i]},${c.high[i]},${c.low[i]},${c.close[i]},${c.volume[i]}`);
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}
