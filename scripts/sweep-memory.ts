/**
 * Opt-in check (minutes): a sweep of PATHS paths (default 1e8) runs in bounded memory because
 * its rows stream (issue 19). Runs `ntp sweep` in this process on one generated symbol and
 * prints the estimate, the elapsed time and the peak RSS; exits 1 when the peak is 2 GiB or more.
 *
 *   node --import tsx scripts/sweep-memory.ts [PATHS] [--all-paths]
 *
 * PATHS is rounded to rules x risk sets, both square grids. Without --all-paths the per-path
 * table is not written (1e8 rows are tens of GB); the ranking, top-N and heatmap still stream.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { captureIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { writeCsvFixture } from '../tests/helpers/csv-fixture.js';

const paths = Number(process.argv[2] ?? 1e8);
const allPaths = process.argv.includes('--all-paths');
const side = Math.round(Math.sqrt(Math.sqrt(paths)));
const range = (from: number, n: number, step = 1) => Array.from({ length: n }, (_, i) => from + i * step);
const dir = mkdtempSync(join(tmpdir(), 'ntp-sweep-memory-'));
try {
  const csv = writeCsvFixture(join(dir, 'SYN.csv'), 300);
  const grid = {
    fast: range(2, side), slow: range(2 + side, side),
    stopLoss: range(1, side * side).map((i) => Number((i / (side * side + 1) * 0.5).toFixed(8))), feeBps: [5],
  };
  const argv = ['sweep', '--data', csv, '--out', join(dir, 'out'), '--json', '--set', `sweep.allPaths=${allPaths}`, '--set', 'sweep.limits.maxSeconds=1e6',
    '--set', 'sweep.limits.maxDiskMB=1e9', ...Object.entries(grid).flatMap(([k, v]) => ['--set', `sweep.grid.${k}=${JSON.stringify(v)}`])];
  const io = captureIo();
  const started = Date.now();
  const code = await main(argv, io);
  const seconds = (Date.now() - started) / 1000;
  const peak = process.resourceUsage().maxRSS * 1024;
  if (code !== 0) throw new Error(io.err);
  const out = JSON.parse(io.out) as { shape: { paths: number }; estimate: { seconds: number; memoryBytes: number } };
  console.log(JSON.stringify({ paths: out.shape.paths, allPaths, seconds, estimate: out.estimate, peakRssMiB: Math.round(peak / 2 ** 20) }));
  process.exitCode = peak < 2 * 2 ** 30 ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
