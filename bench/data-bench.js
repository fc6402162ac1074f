// Data layer throughput (issue 3): CSV loading in rows/s against csv-parse on the same
// generated 1M-row file, and the TypeScript windowing API (src/data/windowing.ts, argument
// checks included) in GB/s of output against the raw addon call it wraps and against a memcpy
// of the same bytes. The kernel against a plain JS loop is windowing-bench.js.
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'tsx/esm/api';
import { parse } from 'csv-parse';
import { report, time, timeAsync } from './lib.js';

register(); // lets node import the TypeScript sources directly
const { loadCsv } = await import('../src/data/csv.ts');
const { buildWindows } = await import('../src/data/windowing.ts');
const { syntheticCandles } = await import('../src/data/synthetic.ts');
const { nativeAddon } = await import('../src/native/addon.ts');

const ROWS = 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'ntp-data-bench-'));
const file = join(dir, 'bench-1h.csv');
const market = syntheticCandles({ bars: ROWS, seed: 1 });
const lines = ['timestamp,open,high,low,close,volume'];
for (let i = 0; i < ROWS; i++) {
  lines.push(`${market.timestamp[i]},${market.open[i].toFixed(4)},${market.high[i].toFixed(4)},${market.low[i].toFixed(4)},${market.close[i].toFixed(4)},${market.volume[i].toFixed(6)}`);
}
writeFileSync(file, lines.join('\n') + '\n');
lines.length = 0;
const csvBytes = statSync(file).size;

// Baseline: csv-parse streaming records into the same Float64Array columns.
async function csvParseColumns() {
  const cols = Array.from({ length: 6 }, () => new Float64Array(ROWS));
  let n = 0;
  for await (const rec of createReadStream(file).pipe(parse({ from_line: 2 }))) {
    for (let j = 0; j < 6; j++) cols[j][n] = Number(rec[j]);
    n++;
  }
  if (n !== ROWS) throw new Error(`csv-parse read ${n} rows, expected ${ROWS}`);
}
const ours = time(() => {
  if (loadCsv(file).close.length !== ROWS) throw new Error('loadCsv row count');
}, { repeats: 3, minSeconds: 0 });
const theirs = await timeAsync(csvParseColumns, { repeats: 2 });

const bars = 200_000, T = 64;
const candles = syntheticCandles({ bars, seed: 2 });
// Steady state: the caller reuses its output arrays (fresh 500 MB arrays would time page faults).
const first = buildWindows(candles, { lookback: T, device: 'cpu' });
const out = { features: first.features, close: first.close, targets: first.targets };
const bytes = out.features.byteLength + out.close.byteLength + out.targets.byteLength;
const wrapper = time(() => buildWindows(candles, { lookback: T, device: 'cpu', out }), { repeats: 3 });
const rawOptions = {
  candles, lookback: T, features: Int32Array.from({ length: first.F }, (_, i) => i), horizons: Int32Array.of(1, 4, 12),
  ends: first.ends, out, device: 'cpu',
};
const raw = time(() => nativeAddon().buildWindows(rawOptions), { repeats: 3 });
const src = Buffer.alloc(bytes), dst = Buffer.alloc(bytes);
const memcpy = time(() => src.copy(dst), { repeats: 5 });

rmSync(dir, { recursive: true, force: true });
const gbps = (s) => bytes / s / 1e9;
report('data', [
  { metric: 'loadCsv', value: ROWS / ours, unit: 'rows/s', baseline: 'csv-parse stream', baselineValue: ROWS / theirs, ratio: theirs / ours, target: '>= 2x', pass: theirs / ours >= 2 },
  { metric: 'buildWindows (TS API, cpu)', value: gbps(wrapper), unit: 'GB/s', baseline: 'raw addon call', baselineValue: gbps(raw), ratio: raw / wrapper, target: '>= 0.9x', pass: raw / wrapper >= 0.9 },
  { metric: 'buildWindows (TS API, cpu)', value: gbps(wrapper), unit: 'GB/s', baseline: 'memcpy same bytes', baselineValue: gbps(memcpy), ratio: memcpy / wrapper },
], { params: { csvRows: ROWS, csvBytes, windowBars: bars, lookback: T, outputBytes: bytes } });
