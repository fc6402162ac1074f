/**
 * Is there a 1-bar direction edge to learn from the naive baselines' own inputs? A logistic
 * regression of the next bar's direction on the last K 1-bar log returns (each divided by the
 * window's realised volatility, as the regime-adaptive sigma uses it) and their signs, classes
 * weighted equally (as the model's balanced focal alpha), fit by Newton's method with a small
 * L2 penalty on all symbols' training windows pooled; then scored per symbol on the test
 * windows of scripts/forecast-quality.ts's split against the naive baselines, exactly as the
 * model is (metrics/forecast-quality.ts, h = 1 bar). With --history it trains on every bar of
 * the files before that split's validation part (years more history) instead. Seconds of CPU:
 * the check a quant makes before spending hours on a network (bench/RESULTS.md, "Forecast quality").
 *
 *   npx tsx scripts/direction-probe.ts [--config configs/forecast-quality.yaml] [--set key=value ...] [--lags 8] [--history]
 */
import { parseArgs } from 'node:util';

import { ConfigError, resolveConfig, type PipelineConfig } from '../src/config/index.js';
import type { Candles } from '../src/data/candles.js';
import { loadCsvFiles } from '../src/data/csv.js';
import { loadSeries } from '../src/data/source.js';
import { chronologicalSplit } from '../src/data/splits.js';
import { forecastQuality } from '../src/metrics/forecast-quality.js';
import { qualityOptions } from '../src/pipeline/forecast-evaluation.js';

function usage(message: string): never {
  process.stderr.write(`direction-probe: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: { config: { type: 'string', default: 'configs/forecast-quality.yaml' }, set: { type: 'string', multiple: true }, lags: { type: 'string', default: '8' }, history: { type: 'boolean', default: false } },
});
let config: PipelineConfig;
try {
  config = resolveConfig({ file: values.config, set: values.set ?? [] });
} catch (e) {
  usage(e instanceof ConfigError ? e.message : `--config ${values.config}: ${(e as Error).message}`);
}
const K = Number(values.lags);
const T = config.windows.lookback;
if (!Number.isInteger(K) || K < 1 || K >= T) usage(`--lags must be an integer in [1, ${T - 1}] (below windows.lookback; got ${values.lags})`);
if (config.data.source !== 'csv') usage(`the config must read CSV files (data.source csv; got ${config.data.source})`);
const D = 2 * K + 1;
const L2 = 1e-3;

/** Inputs of the window ending at bar t: K volatility-scaled returns, their signs, 1. */
function features(c: Float64Array, t: number, out: Float64Array): void {
  let sum = 0;
  for (let j = t - T + 2; j <= t; j++) sum += Math.log(c[j] / c[j - 1]) ** 2;
  const rv = Math.max(1e-6, Math.sqrt(sum / (T - 1)));
  for (let j = 0; j < K; j++) {
    const r = Math.log(c[t - j] / c[t - j - 1]);
    out[j] = Math.max(-5, Math.min(5, r / rv));
    out[K + j] = Math.sign(r);
  }
  out[D - 1] = 1;
}

/** Training rows: windows ending in [start, end) of each series, label = next close higher. */
function rows(parts: { close: Float64Array; start: number; end: number }[]): { x: Float64Array; y: Uint8Array } {
  const n = parts.reduce((a, p) => a + Math.max(0, p.end - p.start), 0);
  const x = new Float64Array(n * D), y = new Uint8Array(n);
  let i = 0;
  for (const { close, start, end } of parts) {
    for (let t = start; t < end; t++, i++) {
      features(close, t, x.subarray(i * D, (i + 1) * D));
      y[i] = Number(close[t + 1] > close[t]);
    }
  }
  return { x, y };
}

/** Class-balanced L2 logistic regression by Newton's method. */
function fitLogistic(x: Float64Array, y: Uint8Array): Float64Array {
  const n = y.length;
  const up = y.reduce((a, v) => a + v, 0) / n;
  const weight = [0.5 / (1 - up), 0.5 / up];
  const beta = new Float64Array(D);
  for (let iter = 0; iter < 25; iter++) {
    const g = new Float64Array(D), h = new Float64Array(D * D);
    for (let i = 0; i < n; i++) {
      const xi = x.subarray(i * D, (i + 1) * D);
      let z = 0;
      for (let d = 0; d < D; d++) z += beta[d] * xi[d];
      const p = 1 / (1 + Math.exp(-z)), w = weight[y[i]];
      const r = w * (p - y[i]), s = w * p * (1 - p);
      for (let a = 0; a < D; a++) {
        g[a] += r * xi[a];
        for (let b = 0; b <= a; b++) h[a * D + b] += s * xi[a] * xi[b];
      }
    }
    for (let a = 0; a < D; a++) {
      g[a] = g[a] / n + L2 * beta[a];
      h[a * D + a] = h[a * D + a] / n + L2;
      for (let b = 0; b < a; b++) { h[a * D + b] /= n; h[b * D + a] = h[a * D + b]; }
    }
    const step = solve(h, g);
    let change = 0;
    for (let d = 0; d < D; d++) { beta[d] -= step[d]; change = Math.max(change, Math.abs(step[d])); }
    if (change < 1e-9) break;
  }
  return beta;
}

/** Gaussian elimination with partial pivoting (a is D x D, row-major; both are copied). */
function solve(a0: Float64Array, b0: Float64Array): Float64Array {
  const a = Float64Array.from(a0), b = Float64Array.from(b0);
  for (let c = 0; c < D; c++) {
    let p = c;
    for (let r = c + 1; r < D; r++) if (Math.abs(a[r * D + c]) > Math.abs(a[p * D + c])) p = r;
    for (let k = 0; k < D; k++) [a[c * D + k], a[p * D + k]] = [a[p * D + k], a[c * D + k]];
    [b[c], b[p]] = [b[p], b[c]];
    for (let r = c + 1; r < D; r++) {
      const m = a[r * D + c] / a[c * D + c];
      for (let k = c; k < D; k++) a[r * D + k] -= m * a[c * D + k];
      b[r] -= m * b[c];
    }
  }
  const out = new Float64Array(D);
  for (let r = D - 1; r >= 0; r--) {
    let s = b[r];
    for (let k = r + 1; k < D; k++) s -= a[r * D + k] * out[k];
    out[r] = s / a[r * D + r];
  }
  return out;
}

const loaded = await loadSeries(config.data, { lookback: T });
const { horizons, lookback } = config.windows;
const splits = loaded.series.map(({ candles }) => chronologicalSplit(candles.close.length, {
  lookback, horizons, fractions: [config.split.train, config.split.val, config.split.test], embargo: config.split.embargo,
}));
let training: { close: Float64Array; start: number; end: number }[];
if (values.history) {
  // The same files whole; training ends where the range's training part ends (before its validation part and embargo).
  const full = loadCsvFiles(config.data.paths);
  training = full.map(({ symbol, candles }, s) => {
    const range = loaded.series[s].candles;
    const end = range.timestamp[splits[s].train.end - 1];
    const last = candles.timestamp.indexOf(end);
    if (last < 0 || symbol !== loaded.series[s].symbol) throw new Error(`${symbol}: the range's bars are not in the file`);
    return { close: candles.close, start: T, end: last + 1 };
  });
} else {
  training = loaded.series.map(({ candles }, s) => ({ close: candles.close, ...splits[s].train }));
}
const started = Date.now();
const train = rows(training);
const beta = fitLogistic(train.x, train.y);
const f = (v: number, d = 3) => v.toFixed(d);
const lines = [
  `logistic probe: ${K} lags (returns / realised volatility, and signs), ${train.y.length} training windows${values.history ? ' (all history before the validation split)' : ' (the split\'s training part)'}, fit in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  `coefficients, lag 1..${K}: scaled return ${Array.from(beta.subarray(0, K), (b) => f(b)).join(' ')}; sign ${Array.from(beta.subarray(K, 2 * K), (b) => f(b)).join(' ')}; intercept ${f(beta[D - 1])}`,
  '| symbol | windows | probe MCC h0 [95% CI] | best baseline | its MCC | probe - best [95% CI] |',
  '|---|---:|---|---|---:|---|',
];
let above = 0, ciAbove = 0;
const x = new Float64Array(D);
for (const [s, { symbol, candles }] of loaded.series.entries()) {
  const { start, end } = splits[s].test;
  const ends = Int32Array.from({ length: end - start }, (_, i) => start + i);
  const c = candles.close;
  const pUp = Float64Array.from(ends, (t) => {
    features(c, t, x);
    let z = 0;
    for (let d = 0; d < D; d++) z += beta[d] * x[d];
    return 1 / (1 + Math.exp(-z));
  });
  const trueReturn = Float64Array.from(ends, (t) => Math.log(c[t + 1] / c[t]));
  const q = forecastQuality([candles as Candles], { symbols: new Int32Array(ends.length), ends, pUp: [pUp], trueReturn: [trueReturn] }, [1], qualityOptions(config.evaluation));
  const h = q.horizons[0], best = h.baselines.find((b) => b.name === h.best)!;
  if (h.difference.mcc > 0) above++;
  if (h.difference.mccCi[0] > 0) ciAbove++;
  lines.push(`| ${symbol} | ${q.windows} | ${f(h.model.mcc)} [${f(h.model.mccCi[0])}, ${f(h.model.mccCi[1])}] | ${h.best} | ${f(best.mcc)} | `
    + `${f(h.difference.mcc)} [${f(h.difference.mccCi[0])}, ${f(h.difference.mccCi[1])}] |`);
}
lines.push(`probe above the best baseline on ${above}/${loaded.series.length} symbols, paired-difference CI above 0 on ${ciAbove}`);
process.stdout.write(`${lines.join('\n')}\n`);
