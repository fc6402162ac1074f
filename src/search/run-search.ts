/**
 * `ntp search` end to end: open (or resume) the study directory, run trials on walk-forward
 * folds before the test split, pick the best complete trial, retrain it on the train/val split
 * and evaluate it once on the untouched test split (the whole `ntp run` pipeline), then write
 * search.json and report.html with the trials, the DSR and the PBO.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ConfigError, saveConfig, setPath, validateConfig, type PipelineConfig } from '../config/index.js';
import type { LoadedSeries } from '../data/source.js';
import { loadReportData, saveReport, symbolReport, trainingReport } from '../pipeline/report-data.js';
import { runPipeline } from '../pipeline/run.js';
import type { SearchReport } from '../report/index.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { runSearchTrial, searchSetup, type SearchSetup } from './objective.js';
import { overfittingFromReturns, type OverfittingStatistics } from './statistics/overfitting.js';
import { prunerOf, samplerOf, searchSpaceOf, trialConfig } from './setup.js';
import { bestTrial, runStudy, type Objective, type StudyOutcome } from './study.js';
import { StudyStore, type TrialRecord } from './study-store.js';

/** What a remote trial runner (a job queue) gets of the study it runs trials for. */
export interface RemoteStudy {
  /** When the study directory was created (study.json): a study resumed keeps it, a new one in the same place does not. */
  createdAt: string;
  setup: SearchSetup;
}

export interface SearchRunOptions {
  log?: (line: string) => void;
  /** Replace the trial objective (tests, benchmarks); default: train on the folds. */
  objective?: Objective;
  /**
   * Run the trials elsewhere, up to search.parallel at once (`ntp search --queue`): the objective
   * for this study. Without it (and without `objective`) trials train here, one at a time.
   */
  remote?: (study: RemoteStudy) => Objective;
  /** Skip the retrain + test evaluation of the chosen trial. */
  skipFinal?: boolean;
}

export interface FinalEvaluation {
  trial: number;
  runDir: string;
  /** Model metrics on the test split (loss, dir_mcc_h1, ...). */
  evaluation: Record<string, number>;
  /** Backtest metrics of the test split, mean over symbols. */
  backtest: Record<string, number>;
}

export interface SearchSummary {
  out: string;
  objective: string;
  direction: 'max' | 'min';
  sampler: string;
  trials: { total: number; complete: number; pruned: number; failed: number; resumed: number };
  stoppedBy: StudyOutcome['stoppedBy'];
  best: { number: number; value: number; params: TrialRecord['params'] } | null;
  statistics: OverfittingStatistics | null;
  selection: string;
  test: FinalEvaluation | null;
  report: string;
  elapsedMs: number;
}

/** What makes two runs the same study; a later run may raise the trial or time budget. */
function identity(config: PipelineConfig, loaded: LoadedSeries) {
  const s = config.search;
  return {
    space: s.space, objective: s.objective, direction: s.direction, sampler: s.sampler, seed: s.seed, tpe: s.tpe,
    pruner: s.pruner, asha: s.asha, folds: s.folds, parallel: s.parallel, mode: config.split.walkForward.mode,
    data: loaded.series.map(({ symbol, candles }) => ({ symbol, bars: candles.close.length, first: candles.timestamp[0], last: candles.timestamp.at(-1) })),
  };
}

function openStudy(store: StudyStore, config: PipelineConfig, loaded: LoadedSeries): void {
  const id = identity(config, loaded);
  if (store.exists()) {
    const saved = store.readSpec<{ identity: Record<string, unknown> }>().identity;
    const differs = Object.keys(id).filter((k) => JSON.stringify(saved?.[k]) !== JSON.stringify((id as Record<string, unknown>)[k]));
    if (differs.length > 0) {
      throw new ConfigError([{ key: 'search.out', message: `${store.dir} holds a different study (${differs.map((k) => k === 'data' ? 'data' : `search.${k}`).join(', ')} changed); choose another search.out or delete that directory` }]);
    }
  } else {
    store.ensure();
    store.writeSpec({ version: 1, createdAt: new Date().toISOString(), identity: id });
  }
  saveConfig(join(store.dir, 'config.yaml'), config);
}

function meanMetrics(rows: readonly Record<string, number>[]): Record<string, number> {
  const keys = ['sharpe', 'sortino', 'totalReturn', 'maxDrawdown', 'trades', 'winRate', 'profitFactor'];
  return Object.fromEntries(keys.map((k) => [k, rows.reduce((a, r) => a + r[k], 0) / rows.length]));
}

export async function runSearch(config: PipelineConfig, loaded: LoadedSeries, options: SearchRunOptions = {}): Promise<SearchSummary> {
  const t0 = Date.now();
  const log = options.log ?? (() => undefined);
  const s = config.search;
  const space = searchSpaceOf(config);
  const sampler = samplerOf(config, space);
  const setup = searchSetup(config, loaded.series);
  // A trial's parameters must make a valid config: check the space's end points up front.
  for (const p of space.params) {
    for (const v of p.kind === 'categorical' ? p.choices : [p.low, p.high]) {
      try {
        trialConfig(config, { [p.key]: p.kind === 'int' ? Math.round(v as number) : v });
      } catch (e) {
        if (e instanceof ConfigError) throw new ConfigError(e.issues.map((i) => ({ ...i, message: `${i.message} (value ${JSON.stringify(v)} from search.space)` })));
        throw e;
      }
    }
  }
  const store = new StudyStore(s.out);
  openStudy(store, config, loaded);
  const objective = options.objective
    ?? options.remote?.({ createdAt: store.readSpec<{ createdAt: string }>().createdAt, setup })
    ?? ((trial) => runSearchTrial(setup, trial));
  let best: TrialRecord | null = null;
  const outcome = await runStudy({
    store, sampler, pruner: prunerOf(config), direction: s.direction, trials: s.trials, parallel: s.parallel,
    timeBudgetMs: s.timeBudget * 1000, objective,
    onTrial: (t) => {
      if (t.state === 'complete' && t.value !== null && (best === null || (s.direction === 'max' ? t.value > best.value! : t.value < best.value!))) best = t;
      const value = t.value === null ? '-' : t.value.toFixed(4);
      log(`trial ${t.number + 1}/${s.trials} ${t.state} ${s.objective}=${value} after ${t.intermediate.length} epoch(s) in ${((t.durationMs ?? 0) / 1000).toFixed(1)} s`
        + `${t.error ? `: ${t.error}` : ''}${best ? `; best #${best.number} ${best.value!.toFixed(4)}` : ''}`);
    },
  });
  const trials = outcome.trials;
  const chosen = bestTrial(trials, s.direction);
  if (chosen === null) {
    const failure = trials.find((t) => t.error)?.error;
    throw new Error(`search: no trial completed (${trials.length} trials${failure ? `; first failure: ${failure}` : ''})`);
  }
  const foldNote = `${s.folds} walk-forward fold${s.folds === 1 ? '' : 's'} (${config.split.walkForward.mode}, embargo ${config.split.embargo} bars) that end before the test split`;

  const withReturns = trials.filter((t) => t.state === 'complete' && t.returns && t.returns.length === chosen.returns?.length);
  const statistics = chosen.returns && chosen.returns.length >= 2
    ? overfittingFromReturns({ trials: trials.length, best: chosen.returns, trialReturns: withReturns.map((t) => t.returns!), barsPerYear: config.backtest.barsPerYear, pboBlocks: s.pboBlocks })
    : null;

  let test: FinalEvaluation | null = null;
  let reportSymbols: ReturnType<typeof symbolReport>[] = [];
  let training = {};
  if (!options.skipFinal) {
    const finalPath = join(s.out, 'final.json');
    const runDir = join(s.out, 'best');
    const saved = existsSync(finalPath) ? JSON.parse(readFileSync(finalPath, 'utf8')) as FinalEvaluation : null;
    log(`chosen: trial #${chosen.number} (${s.objective} ${chosen.value!.toFixed(4)} on ${foldNote}); retraining it on train/val and evaluating once on the test split`);
    const finalConfig = validateConfig(setPath(trialConfig(config, chosen.params) as unknown as Record<string, unknown>, 'output.runDir', runDir));
    if (saved?.trial === chosen.number) {
      test = saved;
      reportSymbols = loadReportData(runDir).symbols ?? [];
      log(`test evaluation of trial #${chosen.number} already in ${finalPath}`);
    } else {
      const run = await runPipeline(finalConfig, { loaded, log: (l) => log(`  ${l}`), progress: { quiet: true } });
      reportSymbols = run.backtests.map((b) => symbolReport(b));
      test = { trial: chosen.number, runDir, evaluation: run.evaluation, backtest: meanMetrics(run.backtests.map((b) => b.metrics)) };
      writeJsonAtomic(finalPath, test);
    }
    training = trainingReport(runDir, finalConfig.training.monitor);
  }
  const selection = `Trial #${chosen.number} was chosen by its mean ${s.objective} over ${foldNote}; the test split was not used for choosing. `
    + (test ? `It was then retrained on the train/val split and evaluated once on the untouched test split (below).` : 'It was not evaluated on the test split.');
  const params = space.params.map((p) => p.key);
  const searchReport: SearchReport = {
    objective: s.objective, direction: s.direction, sampler: sampler.name, pruner: s.pruner === 'asha' ? `ASHA (eta ${s.asha.reductionFactor}, min ${s.asha.minResource} epoch)` : 'none',
    params, best: chosen.number, selection,
    trials: trials.map((t) => ({ number: t.number, state: t.state, value: t.value !== null && Number.isFinite(t.value) ? t.value : null, params: t.params, steps: t.intermediate.length, seconds: (t.durationMs ?? 0) / 1000 })),
    ...(test ? { test: { ...Object.fromEntries(Object.entries(test.evaluation).filter(([k]) => !k.startsWith('loss_'))), ...Object.fromEntries(Object.entries(test.backtest).map(([k, v]) => [`backtest_${k}`, v])) } } : {}),
  };
  const report = saveReport(s.out, {
    title: `ntp search: ${s.objective} over ${trials.length} trials`, generatedAt: new Date().toISOString(), source: loaded.source, synthetic: loaded.synthetic,
    symbols: reportSymbols, ...training, search: searchReport, ...(statistics ? { overfitting: statistics } : {}),
  });
  const count = (state: string) => trials.filter((t) => t.state === state).length;
  const summary: SearchSummary = {
    out: s.out, objective: s.objective, direction: s.direction, sampler: sampler.name,
    trials: { total: trials.length, complete: count('complete'), pruned: count('pruned'), failed: count('failed'), resumed: outcome.resumed },
    stoppedBy: outcome.stoppedBy, best: { number: chosen.number, value: chosen.value!, params: chosen.params }, statistics, selection, test, report,
    elapsedMs: Date.now() - t0,
  };
  writeJsonAtomic(join(s.out, 'search.json'), summary);
  return summary;
}
