/** Hyperparameter search: spaces, samplers, ASHA, studies on disk, the model objective, DSR and PBO. */
export { parseSpace, isActive, gridValues, SpaceError, type SearchSpace, type Param, type Params, type ParamValue } from './space.js';
export { GridSampler, RandomSampler, TpeSampler, gridPoints, type Direction, type FinishedTrial, type Sampler, type TpeOptions, type TrialState } from './samplers/index.js';
export { AshaPruner, type AshaOptions } from './pruners/asha.js';
export { StudyStore, type TrialRecord, type StepValue } from './study-store.js';
export { runStudy, bestTrial, type Objective, type ObjectiveResult, type StudyOptions, type StudyOutcome, type TrialContext } from './study.js';
export { runSearchTrial, searchSetup, backtestMetricOf, type SearchSetup, type SearchTrial } from './objective.js';
export { searchSpaceOf, samplerOf, prunerOf, trialConfig, searchFolds, trialFoldSplit } from './setup.js';
export { runSearch, type SearchRunOptions, type SearchSummary, type FinalEvaluation, type RemoteStudy } from './run-search.js';
export { sampledRuleSweep, type SampledSweepOptions } from './sampled-sweep.js';
export { sweepOverfitting, type SweepStatisticsOptions } from './sweep-statistics.js';
export { deflatedSharpe, deflatedSharpeFromMoments, expectedMaxOfNormals, probabilisticSharpe, type DsrResult } from './statistics/dsr.js';
export { probabilityOfBacktestOverfitting, BlockStats, pboFromBlocks, type PboResult, type PboOptions } from './statistics/pbo.js';
export { overfittingStatistics, overfittingFromReturns, DSR_THRESHOLD, type OverfittingStatistics } from './statistics/overfitting.js';
export { moments, sharpeOf, type Moments } from './statistics/moments.js';
export { normalCdf, normalQuantile, normalPdf } from './statistics/normal.js';
