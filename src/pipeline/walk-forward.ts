/**
 * `ntp walkforward`: walk-forward evaluation (SPEC §4). Each symbol's complete windows are cut
 * into folds per split.walkForward (data/splits.ts walkForwardFolds: expanding or rolling,
 * embargoed so no training target reaches the fold's test bars); fold k trains one model on
 * every symbol's fold-k training ends (the last split.val / (split.train + split.val) of them,
 * after an embargo, validate for early stopping) and predicts its test block. The test blocks'
 * predictions are stitched into one out-of-sample series per symbol, scored per fold and
 * overall against the naive baselines, and their signals backtested over the stitched bars.
 */
import { join } from 'node:path';

import { backtestOptionsFromConfig } from '../backtest/index.js';
import type { PipelineConfig } from '../config/index.js';
import { sliceCandles, type SymbolCandles } from '../data/candles.js';
import { Dataset } from '../data/dataset.js';
import { foldSplit, walkForwardFolds, type Fold, type Split } from '../data/splits.js';
import { modelSignals } from '../inference/model-signals.js';
import { Predictor } from '../inference/predictor.js';
import { forecastQuality, mergeForecasts, type ForecastQuality, type ScoredForecasts } from '../metrics/forecast-quality.js';
import type { ReportData } from '../report/index.js';
import { emptySignalArrays, sliceSignals, type SignalArrays } from '../signals/index.js';
import { lossOptionsFor } from '../training/model-config.js';
import { train, type TrainOptions } from '../training/trainer.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { backtestSeries, type SymbolBacktest } from './backtest-series.js';
import { compareWithBaselines, comparisonReport, type Comparison } from './baselines.js';
import { evaluateWithBaselines, qualityOptions } from './forecast-evaluation.js';
import { forecastReport, saveReport, symbolReport } from './report-data.js';

export interface WalkForwardRunOptions {
  /** Stage messages (stderr in the CLI). */
  log?: (line: string) => void;
  progress?: TrainOptions['progress'];
}

export interface FoldResult {
  fold: number;
  /** Per symbol: the fold's training and test window ends. */
  ranges: Record<string, Fold>;
  windows: number;
  epochs: number;
  /** Every loss term and metric on the fold's test windows. */
  values: Record<string, number>;
  quality: ForecastQuality;
}

export interface WalkForwardResult {
  dir: string;
  folds: FoldResult[];
  /** The stitched out-of-sample windows of every fold against the baselines. */
  overall: ForecastQuality;
  backtests: SymbolBacktest[];
  /** Per symbol: the stitched signals' backtest, buy-and-hold and the EMA cross on the same bars. */
  comparisons: Comparison[];
  report: string;
}

/** The folds of every symbol, as the parts training reads. */
export function walkForwardSplits(config: PipelineConfig, series: readonly SymbolCandles[]): { folds: Record<string, Fold>[]; splits: Record<string, Split>[] } {
  const wf = config.split.walkForward;
  const common = { lookback: config.windows.lookback, horizons: config.windows.horizons, embargo: config.split.embargo };
  const perSymbol = series.map(({ symbol, candles }) => {
    try {
      return walkForwardFolds(candles.close.length, { ...common, folds: wf.folds, mode: wf.mode, initialTrain: wf.initialTrain });
    } catch (e) {
      throw new RangeError(`walk-forward: symbol "${symbol}": ${(e as Error).message}`);
    }
  });
  const valFraction = config.split.val / (config.split.train + config.split.val);
  const folds = Array.from({ length: wf.folds }, (_, k) => Object.fromEntries(series.map((s, i) => [s.symbol, perSymbol[i][k]])));
  const splits = folds.map((f) => Object.fromEntries(series.map(({ symbol, candles }) =>
    [symbol, foldSplit(candles.close.length, f[symbol], { ...common, valFraction })])));
  return { folds, splits };
}

export async function runWalkForward(
  config: PipelineConfig, loaded: { series: SymbolCandles[]; source: string; synthetic: boolean }, dir: string, options: WalkForwardRunOptions = {},
): Promise<WalkForwardResult> {
  const log = options.log ?? (() => undefined);
  const { series } = loaded;
  const candles = series.map((s) => s.candles);
  const { folds, splits } = walkForwardSplits(config, series);
  const stitched = series.map(({ candles: c }) => emptySignalArrays(c.close.length));
  const forecasts: ScoredForecasts[] = [];
  const results: FoldResult[] = [];
  for (let k = 0; k < folds.length; k++) {
    const foldDir = join(dir, `fold-${k + 1}`);
    const first = series[0].symbol;
    const f = folds[k][first];
    log(`fold ${k + 1}/${folds.length}: ${first} trains on window ends [${f.train.start}, ${f.train.end}), tests on [${f.test.start}, ${f.test.end}) -> ${foldDir}`);
    const trained = await train({ config: { ...config, output: { ...config.output, runDir: foldDir } }, series, runDir: foldDir, splits: splits[k], progress: options.progress });
    trained.model.dispose();
    const predictor = await Predictor.load(foldDir);
    try {
      const dataset = new Dataset(series, {
        lookback: predictor.lookback, features: predictor.features, horizons: predictor.horizons, splits: splits[k],
        scaler: predictor.scaler, batchSize: config.dataset.batchSize, shuffle: false,
      });
      const { evaluation, quality } = await evaluateWithBaselines(predictor.model, dataset, 'test', candles, lossOptionsFor(config), config.evaluation);
      forecasts.push(evaluation.forecasts!);
      results.push({ fold: k + 1, ranges: folds[k], windows: evaluation.windows, epochs: trained.history.length, values: evaluation.values, quality });
      log(`fold ${k + 1}/${folds.length}: ${evaluation.windows} test windows, ${foldSummary(quality)}`);
      for (const [s, { symbol, candles: c }] of series.entries()) {
        const r = folds[k][symbol].test;
        const ends = Int32Array.from({ length: r.end - r.start }, (_, i) => r.start + i);
        const { signals } = await modelSignals(predictor, c, config, { ends });
        copyBars(stitched[s], signals, r.start, r.end);
      }
    } finally {
      predictor.dispose();
    }
  }
  const overall = forecastQuality(candles, mergeForecasts(forecasts), config.windows.horizons, qualityOptions(config.evaluation));

  log('backtest of the stitched out-of-sample signals');
  const starts = series.map(({ symbol }) => folds[0][symbol].test.start);
  const backtestOptions = backtestOptionsFromConfig(config.backtest, config.signals.targets.fractions);
  const backtests = await backtestSeries(
    series.map(({ symbol, candles: c }, s) => ({ symbol, candles: sliceCandles(c, starts[s], c.close.length) })),
    { kind: 'signals', signals: stitched.map((sig, s) => sliceSignals(sig, starts[s], sig.side.length)) }, backtestOptions);
  const comparisons = await compareWithBaselines(backtests, backtestOptions, 'native', 'model (walk-forward)');
  writeJsonAtomic(join(dir, 'walkforward.json'), {
    source: loaded.source, mode: config.split.walkForward.mode, folds: results, overall,
    backtests: backtests.map((b, s) => ({ symbol: b.symbol, trades: b.trades.length, metrics: b.metrics, comparison: comparisonReport(comparisons[s]) })),
  });
  const data: ReportData = {
    title: `ntp walkforward: ${series.map((s) => s.symbol).join(', ')}, ${folds.length} ${config.split.walkForward.mode} folds`,
    generatedAt: new Date().toISOString(), source: loaded.source, synthetic: loaded.synthetic,
    symbols: backtests.map((b, s) => symbolReport(b, comparisons[s])), forecast: forecastReport(overall),
  };
  const report = saveReport(dir, data);
  return { dir, folds: results, overall, backtests, comparisons, report };
}

/** The h1 (else last) horizon's model MCC and its paired difference against the best baseline. */
export function foldSummary(q: ForecastQuality): string {
  const h = q.horizons[Math.min(1, q.horizons.length - 1)];
  const d = h.difference;
  return `h${h.horizon} MCC ${h.model.mcc.toFixed(4)}, minus best baseline ${h.best}: ${d.mcc.toFixed(4)} [${d.mccCi[0].toFixed(4)}, ${d.mccCi[1].toFixed(4)}]`;
}

/** Copies bars [start, end) of `from` into `into`. */
function copyBars(into: SignalArrays, from: SignalArrays, start: number, end: number): void {
  into.side.set(from.side.subarray(start, end), start);
  into.stopDistance.set(from.stopDistance.subarray(start, end), start);
  into.size.set(from.size.subarray(start, end), start);
  for (let i = 0; i < 3; i++) into.targetDistance[i].set(from.targetDistance[i].subarray(start, end), start);
}
