/**
 * Trains the same data under several config variants and prints their validation figures side
 * by side: how training defaults were chosen (bench/RESULTS.md, "training defaults") and the
 * ablation of learned against frozen indicator periods (the default variants).
 *
 *   npx tsx scripts/train-compare.ts --data ../shared/data/BTCUSDT-1h.csv --data ../shared/data/ETHUSDT-1h.csv \
 *     [--bars 4000] [--epochs 5] [--variant 'name:key=value,key=value' ...] [--set key=value ...] [--json out.json]
 *
 * --bars keeps the last N bars of each file; --set applies to every variant. Each variant
 * trains in its own temporary run directory, one after another (--keep keeps them). After
 * training it also prints the output calibration and what it does to the P(up) reliability
 * (expected calibration error) and the 1-sigma coverage on the validation and test splits.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { resolveConfig } from '../src/config/index.js';
import { sliceCandles } from '../src/data/candles.js';
import { loadCsvFiles } from '../src/data/csv.js';
import type { ReliabilityBin } from '../src/metrics/index.js';
import { readCalibration } from '../src/models/index.js';
import { evaluate } from '../src/training/evaluate.js';
import { runLossOptions } from '../src/training/model-config.js';
import { train } from '../src/training/trainer.js';

const DEFAULT_VARIANTS = ['learned:model.indicators.learnPeriods=true', 'frozen:model.indicators.learnPeriods=false'];

function usage(message: string): never {
  process.stderr.write(`train-compare: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    data: { type: 'string', multiple: true }, bars: { type: 'string', default: '4000' }, epochs: { type: 'string', default: '5' },
    variant: { type: 'string', multiple: true }, set: { type: 'string', multiple: true }, json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
if (!values.data?.length) usage('give at least one --data FILE');
const bars = Number(values.bars), epochs = Number(values.epochs);
if (!Number.isInteger(bars) || bars < 500) usage(`--bars must be an integer >= 500 (got ${values.bars})`);
if (!Number.isInteger(epochs) || epochs < 1) usage(`--epochs must be an integer >= 1 (got ${values.epochs})`);
const variants = (values.variant ?? DEFAULT_VARIANTS).map((v) => {
  const colon = v.indexOf(':');
  if (colon <= 0) usage(`--variant must be name:key=value,... (got ${JSON.stringify(v)})`);
  return { name: v.slice(0, colon), set: v.slice(colon + 1).split(',').filter(Boolean) };
});

const series = loadCsvFiles(values.data).map((s) => {
  const n = s.candles.close.length;
  return { symbol: s.symbol, candles: sliceCandles(s.candles, Math.max(0, n - bars), n) };
});

const fmt = (v: number | undefined, d = 4) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));
/** Count-weighted mean |observed - predicted| over the non-empty reliability bins. */
const ece = (bins: ReliabilityBin[]) => {
  let n = 0, sum = 0;
  for (const b of bins) if (b.count > 0) { n += b.count; sum += b.count * Math.abs((b.observedFrequency ?? 0) - (b.meanPredicted ?? 0)); }
  return n > 0 ? sum / n : NaN;
};
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const rows: Record<string, unknown>[] = [];
for (const v of variants) {
  const runDir = mkdtempSync(join(tmpdir(), `ntp-compare-${v.name}-`));
  try {
    const config = resolveConfig({ set: [`output.runDir=${runDir}`, `training.epochs=${epochs}`, ...(values.set ?? []), ...v.set] });
    const started = Date.now();
    const r = await train({ config, series, progress: { quiet: true } });
    const seconds = (Date.now() - started) / 1000;
    const h = r.history;
    const best = h.find((e) => e.epoch === r.bestEpoch) ?? h[0];
    // Period movement: |p_last / p_0 - 1| over the 30 periods (from the per-epoch log).
    const log = readFileSync(join(runDir, 'indicator_periods.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const p0 = log[1].slice(1).map(Number), pn = log[log.length - 1].slice(1).map(Number);
    const moved = p0.map((p, i) => Math.abs(pn[i] / p - 1));
    const row = {
      variant: v.name, set: v.set.join(' '), seconds: Math.round(seconds), epochsRun: r.epochsRun, bestEpoch: r.bestEpoch, stoppedEarly: r.stoppedEarly,
      valLoss: h.map((e) => e.val_loss), trainLoss: h.map((e) => e.loss), valMccH1: h.map((e) => e.val_dir_mcc_h1),
      best: { val_loss: best.val_loss, val_dir_mcc_h0: best.val_dir_mcc_h0, val_dir_mcc_h1: best.val_dir_mcc_h1, val_dir_mcc_h2: best.val_dir_mcc_h2,
        val_dir_acc_h0: best.val_dir_acc_h0, val_var_coverage_h0: best.val_var_coverage_h0 },
      periodsMoved: { median: median(moved), max: Math.max(...moved) },
    };
    const H = r.dataset.horizons.length;
    const calibration = readCalibration(join(runDir, 'calibration.json'), H);
    const calibrationRows = [];
    for (const part of ['val', 'test'] as const) {
      const e = await evaluate(r.model, r.dataset, part, series.map((s) => s.candles), runLossOptions(runDir, config), calibration);
      const raw = e.reliabilityUncalibrated ?? e.reliability;
      calibrationRows.push({
        part, eceBefore: raw.map(ece), eceAfter: e.reliability.map(ece),
        coverageAfter: Array.from({ length: H }, (_, h) => e.values[`var_coverage_h${h}`]),
        mccH1: e.values.dir_mcc_h1,
      });
    }
    const rowWithCalibration = { ...row, calibration: { temperature: calibration.temperature, sigmaScale: calibration.sigmaScale, fit: calibration.fit, splits: calibrationRows } };
    rows.push(rowWithCalibration);
    r.model.dispose();
    process.stdout.write([
      `== ${v.name} (${row.set || 'defaults'}): ${row.seconds}s, ${r.epochsRun} epochs, best epoch ${r.bestEpoch}${r.stoppedEarly ? ', stopped early' : ''}`,
      `   val_loss by epoch   ${row.valLoss.map((x) => fmt(x)).join(' ')}`,
      `   train loss by epoch ${row.trainLoss.map((x) => fmt(x)).join(' ')}`,
      `   val MCC h1 by epoch ${row.valMccH1.map((x) => fmt(x)).join(' ')}`,
      `   best epoch: val_loss ${fmt(best.val_loss)}  MCC h0/h1/h2 ${fmt(best.val_dir_mcc_h0)}/${fmt(best.val_dir_mcc_h1)}/${fmt(best.val_dir_mcc_h2)}  acc h0 ${fmt(best.val_dir_acc_h0)}  coverage h0 ${fmt(best.val_var_coverage_h0)}`,
      `   periods moved (|p/p0 - 1|): median ${fmt(row.periodsMoved.median * 100, 2)}%  max ${fmt(row.periodsMoved.max * 100, 2)}%`,
      `   calibration: T ${calibration.temperature.map((x) => fmt(x, 3)).join('/')}  sigma scale ${calibration.sigmaScale.map((x) => fmt(x, 3)).join('/')}  val coverage before ${calibration.fit?.coverageBefore.map((x) => fmt(x, 3)).join('/') ?? '-'}`,
      ...calibrationRows.map((c) => `   ${c.part}: P(up) ECE before ${c.eceBefore.map((x) => fmt(x)).join('/')} after ${c.eceAfter.map((x) => fmt(x)).join('/')}; 1-sigma coverage after ${c.coverageAfter.map((x) => fmt(x, 3)).join('/')}; MCC h1 ${fmt(c.mccH1)}`),
      '',
    ].join('\n'));
  } finally {
    if (values.keep) process.stdout.write(`   run directory kept: ${runDir}\n`);
    else rmSync(runDir, { recursive: true, force: true });
  }
}
if (values.json) writeFileSync(values.json, `${JSON.stringify({ data: values.data, bars, epochs, rows }, null, 2)}\n`);
