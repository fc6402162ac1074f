/**
 * `ntp run`: the whole pipeline on one config (SPEC §10): data -> validation -> windows ->
 * training -> evaluation on the test split (with the naive baselines) -> signals, gated on the
 * model's edge over the baselines on validation -> backtest of the test split -> report.
 * The backtest covers only bars after the validation split, so every trade is out of sample.
 */
import { join } from 'node:path';

import { backtestOptionsFromConfig } from '../backtest/index.js';
import type { PipelineConfig } from '../config/index.js';
import { sliceCandles } from '../data/candles.js';
import { checkLoadedSeries } from '../data/check.js';
import { loadSeries, type LoadedSeries } from '../data/source.js';
import type { SymbolCandles } from '../data/candles.js';
import { modelSignals } from '../inference/model-signals.js';
import { Predictor } from '../inference/predictor.js';
import type { ForecastQuality } from '../metrics/forecast-quality.js';
import { sliceSignals } from '../signals/index.js';
import { runLossOptions } from '../training/model-config.js';
import { train, type TrainOptions, type TrainResult } from '../training/trainer.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { backtestSeries, type SymbolBacktest } from './backtest-series.js';
import { compareWithBaselines, type Comparison } from './baselines.js';
import { edgeDecision, edgeMessage, gatedSignals, type ValidationEdge } from './edge-gate.js';
import { evaluateWithBaselines } from './forecast-evaluation.js';
import { classifierReport, forecastReport, saveReport, symbolReport, trainingReport } from './report-data.js';

export interface RunOptions {
  /** Progress and stage messages (stderr in the CLI); silent when omitted. */
  log?: (line: string) => void;
  progress?: TrainOptions['progress'];
  /** Candles already loaded (e.g. by `ntp search`); default: load them per config.data. */
  loaded?: LoadedSeries;
}

export interface RunSummary {
  runDir: string;
  source: string;
  synthetic: boolean;
  /** Training epochs run (epoch 0, the initial weights, not counted). */
  epochs: number;
  best: number | null;
  monitor: string;
  evaluation: Record<string, number>;
  /** Test-split direction calls against the naive baselines. */
  quality: ForecastQuality;
  /** The validation edge gate: whether the model's signals were traded, and why. */
  edge: ValidationEdge;
  backtests: SymbolBacktest[];
  /** Per symbol: the model's backtest, buy-and-hold and the EMA cross on the same test bars. */
  comparisons: Comparison[];
  report: string;
  reportData: string;
}

export async function runPipeline(config: PipelineConfig, options: RunOptions = {}): Promise<RunSummary> {
  const log = options.log ?? (() => undefined);
  const runDir = config.output.runDir;

  log(`[1/6] data: loading (${config.data.source})`);
  const loaded = options.loaded ?? await loadSeries(config.data, { lookback: config.windows.lookback });
  log(`      ${loaded.source}${loaded.synthetic ? ' -- SYNTHETIC DATA, not a market' : ''}`);

  log('[2/6] validate');
  for (const { symbol, report } of checkLoadedSeries(loaded)) for (const line of report.summary) log(`      ${symbol}: ${line}`);

  // Training, evaluation and report are one set: the run directory is replaced when all are written.
  log(`[3/6] train -> ${runDir}`);
  let outcome: Awaited<ReturnType<typeof evaluateAndBacktest>> | undefined;
  const trained = await train({
    config, series: loaded.series, runDir, progress: options.progress, log,
    beforeCommit: async (dir, result) => {
      result.model.dispose();
      outcome = await evaluateAndBacktest(config, dir, loaded.series, result, log);
      const { evaluation, quality, edge, backtests, comparisons } = outcome;
      log('[6/6] report');
      saveReport(dir, {
        title: `ntp run: ${loaded.series.map((s) => s.symbol).join(', ')}`,
        generatedAt: new Date().toISOString(),
        source: loaded.source,
        synthetic: loaded.synthetic,
        symbols: backtests.map((b, s) => symbolReport(b, comparisons[s])),
        classifier: classifierReport(evaluation, result.dataset.horizons),
        forecast: forecastReport(quality, edgeMessage(edge)),
        ...trainingReport(dir, config.training.monitor),
      });
    },
  });
  // beforeCommit ran (train returned), so the outcome is set.
  const { evaluation, quality, edge, backtests, comparisons } = outcome!;
  return {
    runDir, source: loaded.source, synthetic: loaded.synthetic, epochs: trained.history.length - 1, best: trained.best,
    monitor: trained.monitor, evaluation: evaluation.values, quality, edge, backtests, comparisons,
    report: join(runDir, 'report.html'), reportData: join(runDir, 'report-data.json'),
  };
}

/** Steps 4 and 5 on the run in `dir`: the validation edge gate, the test split's evaluation (written there) and its out-of-sample backtest. */
async function evaluateAndBacktest(config: PipelineConfig, dir: string, series: readonly SymbolCandles[], trained: TrainResult, log: (line: string) => void) {
  log('[4/6] evaluate the best model on the test split, against naive baselines');
  const predictor = await Predictor.load(dir);
  const candles = series.map((s) => s.candles);
  const lossOptions = runLossOptions(dir, config);
  const validation = await evaluateWithBaselines(predictor.model, trained.dataset, 'val', candles, lossOptions, config.evaluation, predictor.calibration);
  const edge = edgeDecision(validation.quality, config.signals.requireEdge);
  log(`      ${edgeMessage(edge)}`);
  const { evaluation, quality } = await evaluateWithBaselines(predictor.model, trained.dataset, 'test', candles, lossOptions, config.evaluation, predictor.calibration);
  writeJsonAtomic(join(dir, 'evaluation.json'), {
    split: 'test', windows: evaluation.windows, values: evaluation.values, reliability: evaluation.reliability, baselines: quality,
    ...(evaluation.reliabilityUncalibrated ? { reliabilityUncalibrated: evaluation.reliabilityUncalibrated } : {}),
    edge: { ...edge.verdict, trade: edge.trade, validation: validation.quality },
  });

  log('[5/6] signals and backtest on the test split');
  const testSeries = [];
  const testSignals = [];
  for (const [s, { symbol, candles: c }] of series.entries()) {
    const range = trained.dataset.splits[symbol].test;
    const ends = Int32Array.from({ length: range.end - range.start }, (_, i) => range.start + i);
    const { signals } = await modelSignals(predictor, c, config, { ends });
    // Backtest from the first test bar on; the signal on the last test window trades at the next open.
    const start = range.start;
    testSeries.push({ symbol, candles: sliceCandles(candles[s], start, c.close.length) });
    testSignals.push(sliceSignals(gatedSignals(signals, edge), start, c.close.length));
  }
  predictor.dispose();
  const backtestOptions = backtestOptionsFromConfig(config.backtest, config.signals.targets.fractions);
  const backtests = await backtestSeries(testSeries, { kind: 'signals', signals: testSignals }, backtestOptions);
  const comparisons = await compareWithBaselines(backtests, backtestOptions, 'native', 'model');
  return { evaluation, quality, edge, backtests, comparisons };
}
