/**
 * The overfitting statistics every sweep and search reports for its best result: the Deflated
 * Sharpe Ratio given all trials tried, and the PBO over the trials whose per-bar returns cover
 * the same bars, with one sentence that says whether the best is distinguishable from luck.
 */
import type { OverfittingReport } from '../../report/types.js';
import { deflatedSharpe, type TrialSharpes } from './dsr.js';
import { sharpeOf } from './moments.js';
import { defaultBlocks, probabilityOfBacktestOverfitting, type PboResult } from './pbo.js';

/** DSR at or above this reads as distinguishable from luck (a one-sided 95% test). */
export const DSR_THRESHOLD = 0.95;

/** The statistics as reports carry them (one definition: report/types.ts). */
export type OverfittingStatistics = OverfittingReport;

export interface OverfittingInput {
  /** Every parameter set tried (pruned and failed included). */
  trials: number;
  /** Per-bar returns of the selected result. */
  best: ArrayLike<number>;
  /** Per-bar Sharpe ratios of the trials with returns, or their streamed spread (they set the luck benchmark). */
  trialSharpes: TrialSharpes;
  /** PBO over the trials' returns, or null when fewer than two trials cover the same bars. */
  pbo: PboResult | null;
  /** For the sentence: Sharpe ratios are shown annualised by sqrt(barsPerYear). */
  barsPerYear: number;
}

const pct = (x: number) => `${(100 * x).toFixed(x > 0.999 || x < 0.001 ? 2 : 0)}%`;

export function overfittingStatistics(o: OverfittingInput): OverfittingStatistics {
  const d = deflatedSharpe({ returns: o.best, trials: o.trials, trialSharpes: o.trialSharpes });
  const pbo = o.pbo;
  const annual = Math.sqrt(o.barsPerYear);
  const skill = d.dsr >= DSR_THRESHOLD;
  const verdict = `The best of ${o.trials} trial${o.trials === 1 ? '' : 's'} ${skill ? 'is' : 'is not'} distinguishable from luck: `
    + `its annualised Sharpe ratio of ${(d.sharpe * annual).toFixed(2)} over ${d.observations} bars has a ${pct(d.dsr)} probability of beating the `
    + `${(d.expectedMaxSharpe * annual).toFixed(2)} that the best of ${o.trials} skill-less trials would show (deflated Sharpe ratio; ${Math.round(100 * DSR_THRESHOLD)}% needed)`
    + (pbo ? `, and the in-sample best ranks at or below the median out of sample in ${pct(pbo.pbo)} of ${pbo.combinations} CSCV splits (probability of backtest overfitting).` : '.');
  return {
    trials: o.trials, sharpe: d.sharpe, observations: d.observations, skew: d.skew, kurtosis: d.kurtosis,
    expectedMaxSharpe: d.expectedMaxSharpe, dsr: d.dsr, pbo: pbo?.pbo ?? null, pboCombinations: pbo?.combinations ?? 0,
    pboTrials: pbo?.trials ?? 0, verdict,
  };
}

/** The statistics from whole return series (a search: every complete trial's fold returns). */
export function overfittingFromReturns(o: { trials: number; best: ArrayLike<number>; trialReturns: readonly ArrayLike<number>[]; barsPerYear: number; pboBlocks?: number }): OverfittingStatistics {
  const blocks = defaultBlocks(o.best.length, o.pboBlocks);
  const pbo = o.trialReturns.length >= 2 && blocks >= 2 ? probabilityOfBacktestOverfitting(o.trialReturns, { blocks }) : null;
  return overfittingStatistics({ trials: o.trials, best: o.best, trialSharpes: o.trialReturns.map((r) => sharpeOf(r)), pbo, barsPerYear: o.barsPerYear });
}
