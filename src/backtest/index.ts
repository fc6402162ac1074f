/** Backtesting (SPEC §9): the reference engine, the native vectorized engine, metrics and sweeps. */
export * from './types.js';
export * from './metrics.js';
export { runReferenceBacktest } from './reference.js';
export * from './native.js';
export { ruleSignals, sidesToSignals } from './rules.js';
export {
  STRATEGIES, STRATEGY_NAMES, findStrategy, strategyOf, paramNames, ruleParams, ruleIssue, ruleSides, ruleLabel, defaultRule, allParams, gridAxes,
  type Strategy, type StrategyParam, type StrategyName,
} from './strategies/index.js';
export * from './sweep.js';
export { rankCompare, rankSweepRows, SweepRows, type SweepRowGrid, type SweepRowsOptions } from './sweep-rows.js';
export { assertSignals } from './signals-check.js';
export { backtestOptionsFromConfig } from './from-config.js';
export { costSummary, tradeSlippage, type CostSummary } from './costs.js';
