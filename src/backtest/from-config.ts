/** Maps the config's `backtest` section onto the engines' BacktestOptions. */
import type { BacktestConfig } from '../config/index.js';
import { resolveBacktestOptions, type BacktestOptions } from './types.js';

export function backtestOptionsFromConfig(b: BacktestConfig, fractions: readonly number[]): BacktestOptions {
  return resolveBacktestOptions({
    initialEquity: b.initialEquity,
    riskFraction: b.riskFraction,
    feeBps: b.feeBps,
    slippageBps: b.slippageBps,
    intrabar: b.intrabar,
    breakevenAfterTp1: b.breakevenAfterTp1,
    allowReverse: b.allowReverse,
    maxHoldBars: b.maxHoldBars ?? 0,
    direction: b.direction,
    fractions: [fractions[0], fractions[1], fractions[2]],
    barsPerYear: b.barsPerYear,
  }, 'backtest');
}
