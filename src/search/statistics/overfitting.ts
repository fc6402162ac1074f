/**
 * The overfitting statistics every sweep and search reports for its best result: the Deflated
 * Sharpe Ratio given all trials tried, and the PBO over the trials whose per-bar returns cover
 * the same bars, with one sentence that says whether the best is distinguishable from luck.
 */
import { deflatedSharpe } from './dsr.js';
import { sharpeOf } from './moments.js';
import { probabilityOfBacktestOverfitting } from './pbo.js';

/** DSR at or above this reads as distinguishable from luck (a one-sided 95% test). */
export const DSR_THRESHOLD = 0.95;

export interface OverfittingStatistics {
  trials: number;
  sharpe: number;
  observations: number;
  skew: number;
  kurtosis: number;
  expectedMaxSharpe: number;
  dsr: number;
  pbo: number | null;
  pboCombinations: number;
  pboTrials: number;
  verdict: string;
}

export interface OverfittingInput {
  /** Every parameter set tried (pruned and failed included). */
  trials: number;
  /** Per-bar returns of the selected result. */
  best: ArrayLike<number>;
  /** Per-bar returns of every trial that has them (the selected one included), same bars. */
  trialReturns: readonly ArrayLike<number>[];
  /** For the sentence: Sharpe ratios are shown annualised by sqrt(barsPerYear). */
  barsPerYear: number;
  pboBlocks?: number;
}

const pct = (x: number) => `${(100 * x).toFixed(x > 0.999 || x < 0.001 ? 2 : 0)}%`;

export function overfittingStatistics(o: OverfittingInput): OverfittingStatistics {
  const d = deflatedSharpe({ returns: o.best, trials: o.trials, trialSharpes: o.trialReturns.map((r) => sharpeOf(r)) });
  let pbo: ReturnType<typeof probabilityOfBacktestOverfitting> | null = null;
  const t = o.best.length;
  if (o.trialReturns.length >= 2) {
    // Fewer bars than blocks: use as many (even) blocks as the bars allow.
    const blocks = Math.min(o.pboBlocks ?? 16, 2 * Math.floor(t / 4));
    if (blocks >= 2) pbo = probabilityOfBacktestOverfitting(o.trialReturns, { blocks });
  }
  const annual = Math.sqrt(o.barsPerYear);
  const skill = d.dsr >= DSR_THRESHOLD;
  const verdict = `The best of ${o.trials} trial${o.trials === 1 ? '' : 's'} ${skill ? 'is' : 'is not'} distinguishable from luck: `
    + `its annualised Sharpe ratio of ${(d.sharpe * annual).toFixed(2)} over ${t} bars has a ${pct(d.dsr)} probability of beating the `
    + `${(d.expectedMaxSharpe * annual).toFixed(2)} that the best of ${o.trials} skill-less trials would show (deflated Sharpe ratio; ${Math.round(100 * DSR_THRESHOLD)}% needed)`
    + (pbo ? `, and the in-sample best ranks in the bottom half out of sample in ${pct(pbo.pbo)} of ${pbo.combinations} CSCV splits (probability of backtest overfitting).` : '.');
  return {
    trials: o.trials, sharpe: d.sharpe, observations: d.observations, skew: d.skew, kurtosis: d.kurtosis,
    expectedMaxSharpe: d.expectedMaxSharpe, dsr: d.dsr, pbo: pbo?.pbo ?? null, pboCombinations: pbo?.combinations ?? 0,
    pboTrials: pbo?.trials ?? 0, verdict,
  };
}
