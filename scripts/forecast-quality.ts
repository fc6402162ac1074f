/**
 * Issue 17's acceptance table, in one command: trains the model on every symbol of the config
 * at once (`ntp run`'s pipeline: time split per symbol, the test split last), then on each
 * symbol's test bars
 *  - the 1-bar (h0) direction MCC against the best naive baseline, with the moving-block
 *    bootstrap interval of the paired difference (metrics/forecast-quality.ts), and the same
 *    over every symbol's test windows pooled;
 *  - 1-sigma coverage per horizon after the run's calibration (training.sigmaCalibration),
 *    beside the other kind fit on the same validation split and the raw variance head;
 *  - the default model strategy (edge-gated) beside buy-and-hold and the EMA cross: net return,
 *    Sharpe, fees per year, and the same strategy without the gate; and a check that no signal
 *    has a target inside the round-trip cost.
 * It ends with the acceptance criteria, each met or not, and the wall time.
 *
 *   npx tsx scripts/forecast-quality.ts [--config configs/forecast-quality.yaml] [--set key=value ...] [--json FILE]
 *
 * Needs ../shared/data (the config's CSV files). Exit 2 on bad usage or config, 1 on failure.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { backtestOptionsFromConfig } from '../src/backtest/index.js';
import { ConfigError, resolveConfig, type PipelineConfig } from '../src/config/index.js';
import type { Candles } from '../src/data/candles.js';
import { Dataset } from '../src/data/dataset.js';
import { loadSeries } from '../src/data/source.js';
import { modelSignals } from '../src/inference/model-signals.js';
import { Predictor } from '../src/inference/predictor.js';
import type { HorizonQuality } from '../src/metrics/forecast-quality.js';
import { backtestSeries } from '../src/pipeline/backtest-series.js';
import { comparisonValues, costsOf, type Comparison } from '../src/pipeline/baselines.js';
import { evaluateWithBaselines } from '../src/pipeline/forecast-evaluation.js';
import { runPipeline } from '../src/pipeline/run.js';
import { roundTripCost, sliceSignals, type SignalArrays } from '../src/signals/index.js';
import { evaluate } from '../src/training/evaluate.js';
import { fitOutputCalibration } from '../src/training/fit-calibration.js';
import { runLossOptions } from '../src/training/model-config.js';

/** Issue 17's acceptance thresholds. */
const ACCEPT = { mccAbove: 5, ciAbove: 3, coverage: [0.63, 0.73] as const, coverageSymbols: 5, feesPerYear: 0.05 };

function usage(message: string): never {
  process.stderr.write(`forecast-quality: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: 'configs/forecast-quality.yaml' }, set: { type: 'string', multiple: true }, json: { type: 'string' },
  },
});
let config: PipelineConfig;
try {
  config = resolveConfig({ file: values.config, set: values.set ?? [] });
} catch (e) {
  usage(e instanceof ConfigError ? e.message : `--config ${values.config}: ${(e as Error).message}`);
}
if (config.windows.horizons[0] !== 1) usage(`windows.horizons must start with 1 (the 1-bar direction is scored; got ${config.windows.horizons.join(', ')})`);

const log = (line: string) => process.stderr.write(`${line}\n`);
const pct = (v: number, d = 1) => (Number.isFinite(v) ? `${(v * 100).toFixed(d)}%` : '-');
const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '-');
const ci = (c: [number, number]) => `[${f(c[0])}, ${f(c[1])}]`;

const started = Date.now();
const loaded = await loadSeries(config.data, { lookback: config.windows.lookback });
const summary = await runPipeline(config, { log, loaded });
const trainedSeconds = (Date.now() - started) / 1000;

log('per-symbol evaluation of the test split');
const runDir = summary.runDir;
const predictor = await Predictor.load(runDir);
const lossOptions = runLossOptions(runDir, config);
const fractions: [number, number, number] = [config.split.train, config.split.val, config.split.test];
const datasetOf = (series: typeof loaded.series) => new Dataset(series, {
  lookback: predictor.lookback, features: predictor.features, horizons: predictor.horizons, fractions, embargo: config.split.embargo,
  scaler: predictor.scaler, batchSize: config.dataset.batchSize, shuffle: false,
});
// The other sigma calibration (training.sigmaCalibration), fit on the same validation windows.
const otherKind = config.training.sigmaCalibration === 'regime' ? 'scale' : 'regime';
const other = await fitOutputCalibration(predictor.model, datasetOf(loaded.series), 'val', { regime: otherKind === 'regime' });
const H = predictor.horizons.length;
const backtestOptions = backtestOptionsFromConfig(config.backtest, config.signals.targets.fractions);
const roundTrip = roundTripCost(config.backtest);

interface SymbolRow {
  symbol: string;
  windows: number;
  h0: HorizonQuality;
  coverage: number[];
  coverageOther: number[];
  coverageRaw: number[];
  signals: number;
  targetsInsideCosts: number;
}
const rows: SymbolRow[] = [];
const ungatedSignals: SignalArrays[] = [];
for (const one of loaded.series) {
  const dataset = datasetOf([one]);
  const candles = [one.candles];
  const { evaluation, quality } = await evaluateWithBaselines(predictor.model, dataset, 'test', candles, lossOptions, config.evaluation, predictor.calibration);
  const coverageOf = (values: Record<string, number>) => Array.from({ length: H }, (_, h) => values[`var_coverage_h${h}`]);
  const scaled = await evaluate(predictor.model, dataset, 'test', candles, lossOptions, other);
  const raw = await evaluate(predictor.model, dataset, 'test', candles, lossOptions);
  // The strategy's signals on the same bars, before the edge gate: what it would trade.
  const range = dataset.splits[one.symbol].test;
  const ends = Int32Array.from({ length: range.end - range.start }, (_, i) => range.start + i);
  const { signals } = await modelSignals(predictor, one.candles, config, { ends });
  let count = 0, inside = 0;
  for (let t = 0; t < signals.side.length; t++) {
    if (signals.side[t] === 0) continue;
    count++;
    if (signals.targetDistance.some((d) => d[t] < roundTrip)) inside++;
  }
  ungatedSignals.push(sliceSignals(signals, range.start, one.candles.close.length));
  rows.push({
    symbol: one.symbol, windows: evaluation.windows, h0: quality.horizons[0], coverage: coverageOf(evaluation.values),
    coverageOther: coverageOf(scaled.values), coverageRaw: coverageOf(raw.values), signals: count, targetsInsideCosts: inside,
  });
}
// Every symbol's test windows together (not a criterion; what `ntp evaluate` reports on the same split).
const pooled = await evaluateWithBaselines(predictor.model, datasetOf(loaded.series), 'test', loaded.series.map((one) => one.candles), lossOptions, config.evaluation, predictor.calibration);
predictor.dispose();
const ungated = await backtestSeries(summary.backtests.map((b) => ({ symbol: b.symbol, candles: b.candles })), { kind: 'signals', signals: ungatedSignals }, backtestOptions);
const seconds = (Date.now() - started) / 1000;

// --- the table ---
const span = (c: Candles, start: number) =>
  `${new Date(c.timestamp[start]).toISOString().slice(0, 16)}..${new Date(c.timestamp[c.close.length - 1]).toISOString().slice(0, 16)}`;
const lines: string[] = [
  '',
  `data: ${summary.source}; ${loaded.series.length} symbols trained together; split train/val/test ${fractions.join('/')} per symbol (embargo ${config.split.embargo} bars)`,
  `training: ${summary.epochs} epochs after epoch 0, best ${summary.monitor} ${f(summary.best ?? NaN, 4)}; ${summary.edge.verdict.reason}`,
  `test bars per symbol: ${summary.backtests.map((b) => `${b.symbol} ${span(b.candles, 0)}`).join('; ')}`,
  '',
  `1-bar direction on the test windows (MCC; 95% moving-block bootstrap intervals, ${config.evaluation.bootstrap.samples} resamples)`,
  `| symbol | windows | up | model MCC h0 [95% CI] | best baseline | its MCC | model - best [95% CI] | coverage h${Array.from({ length: H }, (_, h) => h).join('/h')} (${config.training.sigmaCalibration}) | ${otherKind} | raw |`,
  '|---|---:|---:|---|---|---:|---|---|---|---|',
  ...rows.map((r) => {
    const best = r.h0.baselines.find((b) => b.name === r.h0.best)!;
    return `| ${r.symbol} | ${r.windows} | ${pct(r.h0.upRate)} | ${f(r.h0.model.mcc)} ${ci(r.h0.model.mccCi)} | ${r.h0.best} | ${f(best.mcc)} | `
      + `${f(r.h0.difference.mcc)} ${ci(r.h0.difference.mccCi)} | ${r.coverage.map((c) => f(c)).join('/')} | `
      + `${r.coverageOther.map((c) => f(c)).join('/')} | ${r.coverageRaw.map((c) => f(c)).join('/')} |`;
  }),
  (() => {
    const h0 = pooled.quality.horizons[0], best = h0.baselines.find((b) => b.name === h0.best)!;
    return `| all ${rows.length}, pooled | ${pooled.evaluation.windows} | ${pct(h0.upRate)} | ${f(h0.model.mcc)} ${ci(h0.model.mccCi)} | ${h0.best} | ${f(best.mcc)} | `
      + `${f(h0.difference.mcc)} ${ci(h0.difference.mccCi)} | | | |`;
  })(),
  '',
  `strategy on the same test bars (round trip ${f(roundTrip * 1e4, 1)} bps): default = edge-gated model signals; ungated = signals.requireEdge false`,
  '| symbol | default: net / Sharpe / trades / fees per year | ungated: net / Sharpe / trades / fees per year | signals (targets inside costs) | buy and hold: net / Sharpe | EMA cross: net / Sharpe / fees per year |',
  '|---|---|---|---|---|---|',
  ...summary.comparisons.map((c: Comparison, s) => {
    const [model, hold, ema] = c.map(comparisonValues);
    const u = ungated[s], uc = costsOf(u, backtestOptions);
    return `| ${rows[s].symbol} | ${pct(model.totalReturn)} / ${f(model.sharpe, 2)} / ${model.trades} / ${pct(model.feesSharePerYear, 2)} | `
      + `${pct(u.metrics.totalReturn)} / ${f(u.metrics.sharpe, 2)} / ${u.metrics.trades} / ${pct(uc.feesSharePerYear, 2)} | ${rows[s].signals} (${rows[s].targetsInsideCosts}) | `
      + `${pct(hold.totalReturn)} / ${f(hold.sharpe, 2)} | ${pct(ema.totalReturn)} / ${f(ema.sharpe, 2)} / ${pct(ema.feesSharePerYear, 2)} |`;
  }),
];
const above = rows.filter((r) => r.h0.difference.mcc > 0).length;
const ciAbove = rows.filter((r) => r.h0.difference.mccCi[0] > 0).length;
const covered = rows.filter((r) => r.coverage.every((c) => c >= ACCEPT.coverage[0] && c <= ACCEPT.coverage[1])).length;
const coveredOther = rows.filter((r) => r.coverageOther.every((c) => c >= ACCEPT.coverage[0] && c <= ACCEPT.coverage[1])).length;
const maxFees = Math.max(...summary.comparisons.map((c) => comparisonValues(c[0]).feesSharePerYear));
const inside = rows.reduce((n, r) => n + r.targetsInsideCosts, 0);
const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
lines.push(
  '',
  'acceptance (issue 17):',
  `  model h0 MCC above the best baseline on ${above}/${rows.length} symbols (need ${ACCEPT.mccAbove}): ${met(above >= ACCEPT.mccAbove)}`,
  `  paired-difference CI above 0 on ${ciAbove}/${rows.length} (need ${ACCEPT.ciAbove}): ${met(ciAbove >= ACCEPT.ciAbove)}`,
  `  1-sigma coverage in [${ACCEPT.coverage.join(', ')}] at every horizon on ${covered}/${rows.length} (need ${ACCEPT.coverageSymbols}; ${otherKind} calibration: ${coveredOther}): ${met(covered >= ACCEPT.coverageSymbols)}`,
  `  default strategy fees per year at most ${pct(maxFees, 2)} (need < ${pct(ACCEPT.feesPerYear, 0)}): ${met(maxFees < ACCEPT.feesPerYear)}`,
  `  signals with a target inside the round-trip cost: ${inside}: ${met(inside === 0)}`,
  '',
  `wall time ${seconds.toFixed(0)} s (training and the pipeline ${trainedSeconds.toFixed(0)} s); run directory ${runDir}`,
);
process.stdout.write(`${lines.join('\n')}\n`);
if (values.json) {
  writeFileSync(values.json, `${JSON.stringify({
    config: values.config, set: values.set ?? [], seconds, epochs: summary.epochs, edge: summary.edge.verdict,
    symbols: rows.map((r, s) => ({
      ...r, strategy: Object.fromEntries(summary.comparisons[s].map((c) => [c.name, comparisonValues(c)])),
      ungated: { ...ungated[s].metrics, costs: costsOf(ungated[s], backtestOptions) },
    })),
    pooled: { windows: pooled.evaluation.windows, h0: pooled.quality.horizons[0] },
    acceptance: { above, ciAbove, covered, coveredOther, maxFeesPerYear: maxFees, targetsInsideCosts: inside },
  }, null, 2)}\n`);
}
