// Backtest sweep throughput (SPEC §12): an EMA-cross grid with a stop and three profit tiers,
// 8 symbols x 50k bars x 200 (fast, slow) pairs on the native engine (CPU, and CUDA when the
// addon has a usable device), against the TypeScript reference engine on a subset of the same
// grid in the same run. Reports bar-combinations per second (bars x parameter paths / s).
//
//   node --import tsx bench/backtest-bench.js [--bars 50000] [--pairs 200] [--symbols 8]
//
// Writes bench/results/backtest.json and prints a table.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { sliceCandles } from '../src/data/candles.ts';
import { runNativeBacktest } from '../src/backtest/native.ts';
import { runReferenceBacktest } from '../src/backtest/reference.ts';
import { ruleSignals } from '../src/backtest/rules.ts';
import { nativeAddon } from '../src/native/addon.ts';
import { writeJsonAtomic } from '../src/util/atomic-write.ts';
import { loadMarketData } from '../tests/helpers/market-data.ts';
import { numberFlag } from './flags.js';

const BARS = numberFlag('bars', 50_000);
const PAIRS = numberFlag('pairs', 200);
const SYMBOLS = numberFlag('symbols', 8);

const FILES = ['BTCUSDT-1h', 'ETHUSDT-1h', 'BNBUSDT-1h', 'ADAUSDT-1h', 'XRPUSDT-1h', 'DOGEUSDT-1h', 'BTCUSDT-5m', 'ETHUSDT-5m'];
const FAST = [5, 8, 10, 12, 15, 20, 25, 30, 40, 50];
const SLOW = [60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200, 210, 220, 230, 240, 250];
const RISK = { stopDistance: 0.02, targetDistance: [0.01, 0.02, 0.04], feeBps: 10, slippageBps: 5 };

const symbols = FILES.slice(0, SYMBOLS).map((name) => {
  const m = loadMarketData(name);
  return { symbol: name, source: m.source, candles: sliceCandles(m.candles, 0, Math.min(BARS, m.candles.close.length)) };
});
const rules = [];
for (const fast of FAST) for (const slow of SLOW) if (rules.length < PAIRS) rules.push({ kind: 'ema_cross', fast, slow });
const totalBars = symbols.reduce((a, s) => a + s.candles.close.length, 0);
const combos = totalBars * rules.length;

// Median wall time per run, and the median process CPU time per run (all threads): on a
// shared machine the wall time depends on what else runs, the CPU time much less.
function timeIt(fn, minMs = 1000) {
  fn();  // warm-up (thread pool start, page faults)
  const wall = [], cpu = [];
  const start = performance.now();
  while (wall.length < 3 || performance.now() - start < minMs) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    if (wall.length >= 20) break;
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { ms: median(wall), cpuMs: median(cpu) };
}

const request = (device) => ({ symbols: symbols.map((s) => ({ candles: s.candles })), rules, params: [RISK], device });
let trades = 0;
const cpuRun = timeIt(() => {
  const r = runNativeBacktest(request('cpu'));
  trades = 0;
  for (let p = 0; p < r.paths; p++) trades += r.metrics[p * 21 + 8];
});
const rows = [{ engine: 'native cpu', ...cpuRun, barCombos: combos }];

const info = nativeAddon().deviceInfo();
if (info.cuda) {
  rows.push({ engine: `native cuda (${info.cudaDevice})`, ...timeIt(() => runNativeBacktest(request('cuda'))), barCombos: combos });
}

// The reference on a subset: the first symbol x the first few pairs (same rules and options).
const refPairs = rules.slice(0, 4);
const refSym = symbols[0].candles;
const refSignals = refPairs.map((r) => ruleSignals(refSym, r));
const refRun = timeIt(() => { for (const s of refSignals) runReferenceBacktest(refSym, s, RISK); }, 500);
rows.push({ engine: 'reference (ts)', ...refRun, barCombos: refSym.close.length * refPairs.length });

for (const r of rows) {
  r.barCombosPerSec = r.barCombos / (r.ms / 1000);
  // Per second of one core's CPU time; x threads = what an otherwise idle machine would give.
  r.barCombosPerCoreSec = r.barCombos / (r.cpuMs / 1000);
}
const idleEstimate = rows[0].barCombosPerCoreSec * info.threads;
const refRate = rows.at(-1).barCombosPerSec;
for (const r of rows) r.vsReference = r.barCombosPerSec / refRate;

const result = {
  name: 'backtest',
  benchmark: 'backtest sweep: EMA cross, stop + 3 tiers',
  date: new Date().toISOString(),
  grid: { symbols: symbols.map((s) => `${s.symbol} (${s.source})`), barsPerSymbol: BARS, pairs: rules.length, paths: symbols.length * rules.length, barCombos: combos, risk: RISK },
  machine: { threads: info.threads, cpuSimd: info.cpuSimd, cuda: info.cuda ? info.cudaDevice : null },
  tradesPerRun: trades,
  loadAverage: (await import('node:os')).loadavg(),
  target: { barCombosPerSec: 1e9, measuredMeets: rows[0].barCombosPerSec >= 1e9, idleEstimate, idleEstimateMeets: idleEstimate >= 1e9 },
  results: rows,
  // Rows for `npm run bench`'s summary table.
  rows: [{
    metric: 'EMA-cross sweep, stop + 3 tiers (native cpu)', value: rows[0].barCombosPerSec, unit: 'bar-combos/s',
    baseline: 'TypeScript reference engine', baselineValue: refRate, ratio: rows[0].vsReference, target: '>= 1e9/s', pass: rows[0].barCombosPerSec >= 1e9,
  }],
};
const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'backtest.json');
mkdirSync(dirname(out), { recursive: true });
writeJsonAtomic(out, result);

const fmt = (x) => (x >= 1e9 ? `${(x / 1e9).toFixed(2)}e9` : x >= 1e6 ? `${(x / 1e6).toFixed(1)}e6` : x.toFixed(0));
console.log(`backtest sweep: ${symbols.length} symbols x ${BARS} bars x ${rules.length} EMA pairs = ${fmt(combos)} bar-combos, ${trades} trades/run, ${info.threads} threads`);
console.log('engine                          wall ms/run  cpu ms/run   bar-combos/s  per core-s   vs reference');
for (const r of rows) console.log(`${r.engine.padEnd(30)} ${r.ms.toFixed(1).padStart(11)} ${r.cpuMs.toFixed(1).padStart(11)}   ${fmt(r.barCombosPerSec).padStart(12)} ${fmt(r.barCombosPerCoreSec).padStart(11)}   ${r.vsReference.toFixed(1).padStart(10)}x`);
console.log(`load average ${result.loadAverage.map((x) => x.toFixed(1)).join(' ')}; target 1e9 bar-combos/s: measured ${fmt(rows[0].barCombosPerSec)} (${result.target.measuredMeets ? 'met' : 'not met'}), ` +
  `idle ${info.threads}-thread estimate from CPU time ${fmt(idleEstimate)} (${result.target.idleEstimateMeets ? 'met' : 'not met'}); wrote ${out}`);
