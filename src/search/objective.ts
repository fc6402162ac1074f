/**
 * One trial of a model search, given its parameters: for each walk-forward fold, train on the
 * fold's training bars, score on its test bars (the trainer's validation part), and backtest
 * the model's signals there after costs. The objective is the mean over folds of either the
 * validation metric at the best epoch or the backtest metric; the per-bar backtest returns of
 * all folds, concatenated, feed the DSR and PBO. Pruning reports the first fold's per-epoch
 * validation value. A queue worker (distributed/search-trial.ts) runs a trial by calling
 * runSearchTrial with the same setup, built from the job's config and candles.
 */
import { join } from 'node:path';

import { backtestOptionsFromConfig, type MetricName } from '../backtest/index.js';
import type { PipelineConfig } from '../config/index.js';
import { sliceCandles, type SymbolCandles } from '../data/candles.js';
import type { Fold } from '../data/splits.js';
import { modelSignals } from '../inference/model-signals.js';
import { Predictor } from '../inference/predictor.js';
import { backtestSeries } from '../pipeline/backtest-series.js';
import { sliceSignals } from '../signals/index.js';
import { train } from '../training/trainer.js';
import { trialFoldSplit, searchFolds, trialConfig } from './setup.js';
import type { ObjectiveResult, TrialContext } from './study.js';

export interface SearchSetup {
  config: PipelineConfig;
  series: readonly SymbolCandles[];
  folds: Record<string, Fold[]>;
}

/** What every trial of a study shares: the base config, the candles, the folds (a queue worker builds the same). */
export function searchSetup(config: PipelineConfig, series: readonly SymbolCandles[]): SearchSetup {
  return { config, series, folds: searchFolds(series, config) };
}

/** The backtest metric an objective like backtest_sharpe names, or null for a validation metric. */
export function backtestMetricOf(objective: string): MetricName | null {
  return objective.startsWith('backtest_') ? (objective.slice('backtest_'.length) as MetricName) : null;
}

/** A trial run here or on a queue worker: there `report` waits for the coordinator's pruning decision. */
export interface SearchTrial extends Pick<TrialContext, 'params' | 'dir'> {
  report(step: number, value: number): boolean | Promise<boolean>;
}

export async function runSearchTrial(setup: SearchSetup, trial: SearchTrial): Promise<ObjectiveResult> {
  const config = trialConfig(setup.config, trial.params);
  const objective = config.search.objective;
  const btMetric = backtestMetricOf(objective);
  // What pruning watches per epoch: the objective itself, or for backtest objectives the
  // training monitor, turned so that "better" points the study's way.
  const watched = btMetric ? config.training.monitor : objective;
  const flip = btMetric && config.training.mode !== config.search.direction ? -1 : 1;
  const folds = setup.folds[setup.series[0].symbol].length;
  const values: number[] = [];
  const returns: number[] = [];
  const foldMetrics: Record<string, number>[] = [];
  for (let f = 0; f < folds; f++) {
    const splits = Object.fromEntries(setup.series.map(({ symbol, candles }) => [symbol,
      trialFoldSplit(candles.close.length, setup.folds[symbol][f], config.windows.lookback, config.windows.horizons, config.split.embargo)]));
    const runDir = join(trial.dir, `fold-${f}`);
    let pruned = false;
    const result = await train({
      config, series: setup.series, runDir, splits, progress: { quiet: true },
      stopAfter: async (epoch, logs) => {
        if (f > 0) return false;
        if (!(watched in logs)) throw new Error(`search.objective: ${watched} is not among the epoch logs (${Object.keys(logs).filter((k) => k.startsWith('val_')).join(', ')})`);
        pruned = await trial.report(epoch, flip * logs[watched]);  // epoch 1 = the first trained epoch (0 = initial weights)
        return pruned;
      },
    });
    result.model.dispose();
    if (pruned) return { value: NaN };
    const bestLogs = result.history.find((h) => h.epoch === result.bestEpoch) ?? result.history.at(-1)!;
    if (!btMetric && !(objective in bestLogs)) throw new Error(`search.objective: ${objective} is not among the epoch logs (${Object.keys(bestLogs).filter((k) => k.startsWith('val_')).join(', ')})`);

    const predictor = await Predictor.load(runDir);
    const sliced = [];
    const signals = [];
    try {
      for (const { symbol, candles } of setup.series) {
        const range = splits[symbol].val;
        const ends = Int32Array.from({ length: range.end - range.start }, (_, i) => range.start + i);
        const s = await modelSignals(predictor, candles, config, { ends });
        sliced.push({ symbol, candles: sliceCandles(candles, range.start, range.end) });
        signals.push(sliceSignals(s.signals, range.start, range.end));
      }
    } finally {
      predictor.dispose();
    }
    const backtests = await backtestSeries(sliced, { kind: 'signals', signals }, backtestOptionsFromConfig(config.backtest, config.signals.targets.fractions));
    const mean = (m: MetricName) => backtests.reduce((a, b) => a + b.metrics[m], 0) / backtests.length;
    for (const b of backtests) for (let i = 1; i < b.equity.length; i++) returns.push(b.equity[i] / b.equity[i - 1] - 1);
    values.push(btMetric ? mean(btMetric) : bestLogs[objective]);
    foldMetrics.push({ [objective]: values.at(-1)!, sharpe: mean('sharpe'), totalReturn: mean('totalReturn'), trades: mean('trades'), bestEpoch: result.bestEpoch ?? -1 });
  }
  const value = values.reduce((a, b) => a + b, 0) / values.length;
  return { value, returns, attrs: { folds: foldMetrics } };
}
