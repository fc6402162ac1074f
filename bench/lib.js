// Shared helpers for the benchmark scripts: timing, machine description, result files.
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Benchmark from 'benchmark';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(benchDir, '..');

export function machine() {
  const c = cpus();
  return { cpu: c[0]?.model ?? 'unknown', cores: c.length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` };
}

/** Best-of-`repeats` wall time in seconds of fn(), after one warm-up call. */
export function time(fn, { repeats = 5, minSeconds = 0.2 } = {}) {
  fn();
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    let el = 0;
    do { fn(); n++; el = Number(process.hrtime.bigint() - t0) / 1e9; } while (el < minSeconds);
    best = Math.min(best, el / n);
  }
  return best;
}

/**
 * Mean seconds per call of a synchronous fn() as the `benchmark` package samples it (warm-up,
 * calls per sample sized to the timer, samples until `maxTime` seconds), with its relative
 * margin of error at 95% confidence (`rme`, percent) and the sample count. For micro-benchmarks:
 * a call should take well under `maxTime`.
 */
export function sample(fn, { maxTime = 1, minSamples = 5 } = {}) {
  const bench = new Benchmark({ fn, maxTime, minSamples });
  bench.run();
  if (bench.error) throw bench.error;
  return { seconds: bench.stats.mean, rme: bench.stats.rme, samples: bench.stats.sample.length };
}

/** `{ metric: ±rme% }` of `sample` results, for a report's extra fields. */
export function margins(entries) {
  return Object.fromEntries(entries.map(([metric, s]) => [metric, `±${s.rme.toFixed(1)}% (${s.samples} samples)`]));
}

export async function timeAsync(fn, { repeats = 3 } = {}) {
  await fn();
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return best;
}

/**
 * Writes bench/results/<name>.json: { name, date, machine, rows: [{ metric, value, unit,
 * baseline, baselineValue, ratio, target, pass }] } and prints the rows as a table.
 */
export function report(name, rows, extra = {}) {
  const result = { name, date: new Date().toISOString(), machine: machine(), rows, ...extra };
  const path = join(benchDir, 'results', `${name}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, JSON.stringify(result, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
  console.log(formatTable(rows));
  return result;
}

export function fmt(v) {
  if (typeof v !== 'number') return String(v ?? '');
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-2) return v.toExponential(3);
  return v.toFixed(a >= 100 ? 0 : 2);
}

export function formatTable(rows) {
  const head = ['metric', 'value', 'unit', 'baseline', 'baseline value', 'ratio', 'target', 'pass'];
  const body = rows.map((r) => [r.metric, fmt(r.value), r.unit, r.baseline ?? '', fmt(r.baselineValue), r.ratio == null ? '' : `${fmt(r.ratio)}x`, r.target ?? '', r.pass == null ? '' : r.pass ? 'yes' : 'NO']);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => String(b[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(w[i])).join('  ');
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...body.map(line)].join('\n');
}
