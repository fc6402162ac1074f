/**
 * `ntp run`: the whole pipeline on one config (SPEC §10): data -> validation -> windows ->
 * training -> evaluation on the test split -> signals -> backtest of the test split -> report.
 * The backtest covers only bars after the validation split, so every trade is out of sample.
 */
import { join } from 'node:path';

import { backtestOptionsFromConfig } from '../backtest/index.js';
import type { PipelineConfig } from '../config/index.js';
import { sliceCandles } from '../data/candles.js';
import { loadSeries } from '../data/source.js';
import { checkLoadedSeries } from '../data/check.js';
import type { SymbolCandles } from '../data/candles.js';
import { modelSignals } from '../inference/model-signals.js';
import { Predictor } from '../inference/predictor.js';
import { sliceSignals } from '../signals/index.js';
import { evaluate, type Evaluation } from '../training/evaluate.js';
import { lossOptionsFor } from '../training/model-config.js';
import { train, type TrainOptions, type TrainResult } from '../training/trainer.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { backtestSeries, type SymbolBacktest } from './backtest-series.js';
import { compareWithBaselines, type Comparison } from './baselines.js';
import { classifierReport, saveReport, symbolReport, trainingReport } from './report-data.js';

export interface RunOptions {
  /** Progress and stage messages (stderr in the CLI); silent when omitted. */
  log?: (line: string) => void;
  progress?: TrainOptions['progress'];
}

export interface RunSummary {
  runDir: string;
  source: string;
  synthetic: boolean;
  epochs: number;
  best: number | null;
  monitor: string;
  evaluation: Record<string, number>;
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
  const loaded = await loadSeries(config.data);
  log(`      ${loaded.source}${loaded.synthetic ? ' -- SYNTHETIC DATA, not a market' : ''}`);

  log('[2/6] validate');
  for (const { symbol, report } of checkLoadedSeries(loaded)) for (const line of report.summary) log(`      ${symbol}: ${line}`);

  // Training, evaluation and report are one set: the run directory is replaced when all are written.
  log(`[3/6] train -> ${runDir}`);
  let backtests: SymbolBacktest[] = [];
  let comparisons: Comparison[] = [];
  let evaluation: Evaluation | undefined;
  const trained = await train({
    config, series: loaded.series, runDir, progress: options.progress, log,
    beforeCommit: async (dir, result) => {
      result.model.dispose();
      ({ backtests, comparisons, evaluation } = await evaluateAndBacktest(config, dir, loaded.series, result, log));
      log('[6/6] report');
      saveReport(dir, {
        title: `ntp run: ${loaded.series.map((s) => s.symbol).join(', ')}`,
        generatedAt: new Date().toISOString(),
        source: loaded.source,
        synthetic: loaded.synthetic,
        symbols: backtests.map((b, s) => symbolReport(b, comparisons[s])),
        classifier: classifierReport(evaluation, result.dataset.horizons),
        ...trainingReport(dir, config.training.monitor),
      });
    },
  });
  const report = join(runDir, 'report.html');
  const reportData = join(runDir, 'report-data.json');
  return {
    runDir, source: loaded.source, synthetic: loaded.synthetic, epochs: trained.history.length, best: trained.best,
    monitor: trained.monitor, evaluation: evaluation!.values, backtests, comparisons, report, reportData,
  };
}

/** Steps 4 and 5 on the run in `dir`: the test split's evaluation (written there) and its out-of-sample backtest. */
async function evaluateAndBacktest(config: PipelineConfig, dir: string, series: SymbolCandles[], trained: TrainResult, log: (line: string) => void) {
  log('[4/6] evaluate the best model on the test split');
  const predictor = await Predictor.load(dir);
  const candles = series.map((s) => s.candles);
  const evaluation = await evaluate(predictor.model, trained.dataset, 'test', candles, lossOptionsFor(config));
  writeJsonAtomic(join(dir, 'evaluation.json'), { split: 'test', windows: evaluation.windows, values: evaluation.values, reliability: evaluation.reliability });

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
    testSignals.push(sliceSignals(signals, start, c.close.length));
  }
  predictor.dispose();
  const backtestOptions = backtestOptionsFromConfig(config.backtest, config.signals.targets.fractions);
  const backtests = await backtestSeries(testSeries, { kind: 'signals', signals: testSignals }, backtestOptions);
  const comparisons = await compareWithBaselines(backtests, backtestOptions, 'native', 'model');
  return { evaluation, backtests, comparisons };
}
