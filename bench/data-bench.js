// Data layer throughput (issue 3): CSV loading in rows/s against csv-parse on the same
// generated 1M-row file; peak memory of loading a 10M-row file (in a child process, so its peak
// is its own); the TypeScript windowing API (src/data/windowing.ts, argument checks included)
// in GB/s of output against the raw addon call it wraps and against a memcpy of the same bytes;
// and the dataset's training batches/s against what the training step consumes.
// The kernel against a plain JS loop is windowing-bench.js.
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'tsx/esm/api';
import { parse } from 'csv-parse';
import { report, time, timeAsync } from './lib.js';

register(); // lets node import the TypeScript sources directly
const { loadCsv } = await import('../src/data/csv.ts');

// Child mode: load one file and report this process's peak resident memory.
if (process.argv[2] === '--load') {
  const rows = loadCsv(process.argv[3]).close.length;
  process.stdout.write(JSON.stringify({ rows, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
  process.exit(0);
}

const { buildWindows } = await import('../src/data/windowing.ts');
const { syntheticCandles } = await import('../src/data/synthetic.ts');
const { nativeAddon } = await import('../src/native/addon.ts');
const { Dataset } = await import('../src/data/dataset.ts');

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

// 10M rows: written in blocks (the file is about 0.6 GB), loaded by a child process.
const BIG = 10_000_000;
const bigFile = join(dir, 'bench-10m.csv');
const fd = openSync(bigFile, 'w');
writeSync(fd, 'timestamp,open,high,low,close,volume\n');
for (let start = 0; start < BIG; start += ROWS) {
  const block = [];
  for (let i = 0; i < ROWS; i++) {
    const k = i;  // reuse the 1M-row market, shifted in time per block
    block.push(`${market.timestamp[k] + (start / ROWS) * ROWS * 3_600_000},${market.open[k].toFixed(4)},${market.high[k].toFixed(4)},${market.low[k].toFixed(4)},${market.close[k].toFixed(4)},${market.volume[k].toFixed(6)}`);
  }
  writeSync(fd, block.join('\n') + '\n');
}
closeSync(fd);
const child = spawnSync(process.execPath, [process.argv[1], '--load', bigFile], { encoding: 'utf8', maxBuffer: 1 << 20 });
if (child.status !== 0) throw new Error(`10M-row load failed: ${child.stderr}`);
const big = JSON.parse(child.stdout);
if (big.rows !== BIG) throw new Error(`10M-row load read ${big.rows} rows`);
const bigGiB = big.maxRssBytes / 2 ** 30;

// Dataset: training batches (144 windows, T 64, shuffled) per second, one epoch over 200k bars.
const dataset = new Dataset([{ symbol: 'SYN', candles }], { lookback: T, batchSize: 144 });
let batches = 0;
const t0 = performance.now();
for await (const b of dataset.batches('train', { epoch: 0 })) { if (b.size > 0) batches++; }
const batchesPerSec = batches / ((performance.now() - t0) / 1000);
const stepNeed = 450 / 144;  // the training step's target throughput (issue 5), in batches/s

rmSync(dir, { recursive: true, force: true });
const gbps = (s) => bytes / s / 1e9;
report('data', [
  { metric: 'loadCsv', value: ROWS / ours, unit: 'rows/s', baseline: 'csv-parse stream', baselineValue: ROWS / theirs, ratio: theirs / ours, target: '>= 3x', pass: theirs / ours >= 3 },
  { metric: 'loadCsv 10M rows: peak process memory', value: bigGiB, unit: 'GiB', target: '< 1.5', pass: bigGiB < 1.5 },
  { metric: 'dataset training batches (144 x 64 x 10)', value: batchesPerSec, unit: 'batches/s', baseline: 'training step need (450 samples/s)', baselineValue: stepNeed, ratio: batchesPerSec / stepNeed, target: '>= 10x', pass: batchesPerSec / stepNeed >= 10 },
  { metric: 'buildWindows (TS API, cpu)', value: gbps(wrapper), unit: 'GB/s', baseline: 'raw addon call', baselineValue: gbps(raw), ratio: raw / wrapper, target: '>= 0.9x', pass: raw / wrapper >= 0.9 },
  { metric: 'buildWindows (TS API, cpu)', value: gbps(wrapper), unit: 'GB/s', baseline: 'memcpy same bytes', baselineValue: gbps(memcpy), ratio: memcpy / wrapper },
], { params: { csvRows: ROWS, csvBytes, bigRows: BIG, trainingBatches: batches, windowBars: bars, lookback: T, outputBytes: bytes } });
