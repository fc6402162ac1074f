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
import { loadSeries, type LoadedSeries } from '../data/source.js';
import { validateOhlcv } from '../data/validate.js';
import { modelSignals } from '../inference/model-signals.js';
import { Predictor } from '../inference/predictor.js';
import type { ForecastQuality } from '../metrics/forecast-quality.js';
import type { ReportData } from '../report/index.js';
import { sliceSignals } from '../signals/index.js';
import { runLossOptions } from '../training/model-config.js';
import { train, type TrainOptions } from '../training/trainer.js';
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
  for (const { symbol, candles } of loaded.series) {
    const v = validateOhlcv(candles);
    for (const line of v.summary) log(`      ${symbol}: ${line}`);
    if (!v.ok) throw new Error(`${symbol} failed validation (${v.summary.join('; ')}); enable data.clean options or fix the data`);
  }

  log(`[3/6] train -> ${runDir}`);
  const trained = await train({ config, series: loaded.series, runDir, progress: options.progress });
  trained.model.dispose();

  log('[4/6] evaluate the best model on the test split, against naive baselines');
  const predictor = await Predictor.load(runDir);
  const candles = loaded.series.map((s) => s.candles);
  const lossOptions = runLossOptions(runDir, config);
  const validation = await evaluateWithBaselines(predictor.model, trained.dataset, 'val', candles, lossOptions, config.evaluation, predictor.calibration);
  const edge = edgeDecision(validation.quality, config.signals.requireEdge);
  log(`      ${edgeMessage(edge)}`);
  const { evaluation, quality } = await evaluateWithBaselines(predictor.model, trained.dataset, 'test', candles, lossOptions, config.evaluation, predictor.calibration);
  writeJsonAtomic(join(runDir, 'evaluation.json'), {
    split: 'test', windows: evaluation.windows, values: evaluation.values, reliability: evaluation.reliability, baselines: quality,
    ...(evaluation.reliabilityUncalibrated ? { reliabilityUncalibrated: evaluation.reliabilityUncalibrated } : {}),
    edge: { ...edge.verdict, trade: edge.trade, validation: validation.quality },
  });

  log('[5/6] signals and backtest on the test split');
  const testSeries = [];
  const testSignals = [];
  for (const [s, { symbol, candles: c }] of loaded.series.entries()) {
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

  log('[6/6] report');
  const data: ReportData = {
    title: `ntp run: ${loaded.series.map((s) => s.symbol).join(', ')}`,
    generatedAt: new Date().toISOString(),
    source: loaded.source,
    synthetic: loaded.synthetic,
    symbols: backtests.map((b, s) => symbolReport(b, comparisons[s])),
    classifier: classifierReport(evaluation, trained.dataset.horizons),
    forecast: forecastReport(quality, edgeMessage(edge)),
    ...trainingReport(runDir, config.training.monitor),
  };
  const reportData = join(runDir, 'report-data.json');
  const report = saveReport(runDir, data);
  return {
    runDir, source: loaded.source, synthetic: loaded.synthetic, epochs: trained.history.length - 1, best: trained.best,
    monitor: trained.monitor, evaluation: evaluation.values, quality, edge, backtests, comparisons, report, reportData,
  };
}
