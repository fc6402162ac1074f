/**
 * Deflated Sharpe Ratio (Bailey & Lopez de Prado 2014): the probability that the best of N
 * trials has a true Sharpe ratio above the Sharpe that the best of N skill-less trials would
 * show by luck, given the track record's length, skew and kurtosis. All Sharpe ratios here
 * are per observation (per bar), not annualised.
 */
import { moments } from './moments.js';
import { normalCdf, normalQuantile } from './normal.js';

const EULER_GAMMA = 0.5772156649015329;

/** E[max of N standard normal draws], the paper's approximation (false strategy theorem). */
export function expectedMaxOfNormals(n: number): number {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`expectedMaxOfNormals: n must be an integer >= 1 (got ${n})`);
  if (n === 1) return 0;
  return (1 - EULER_GAMMA) * normalQuantile(1 - 1 / n) + EULER_GAMMA * normalQuantile(1 - 1 / (n * Math.E));
}

/** Probabilistic Sharpe Ratio: P(true SR > benchmark) for an observed SR over T observations. */
export function probabilisticSharpe(sr: number, benchmark: number, t: number, skew: number, kurtosis: number): number {
  const denom = 1 - skew * sr + ((kurtosis - 1) / 4) * sr * sr;
  // A non-positive denominator means the moments are inconsistent with this SR: no evidence.
  if (!(denom > 0) || t < 2) return 0;
  return normalCdf(((sr - benchmark) * Math.sqrt(t - 1)) / Math.sqrt(denom));
}

export interface DsrInput {
  /** Per-bar returns of the selected (best) trial. */
  returns: ArrayLike<number>;
  /** Every trial tried, pruned and failed ones included. */
  trials: number;
  /**
   * Per-bar Sharpe ratios of the trials whose returns are known; their variance sets the luck
   * benchmark. With fewer than two, the estimator's variance under the null, 1/(T-1), is used.
   */
  trialSharpes: TrialSharpes;
}

/** The trials' per-bar Sharpe ratios, or their count and sample variance when they were streamed (sweeps of millions of paths). */
export type TrialSharpes = readonly number[] | { count: number; variance: number };

export interface DsrResult {
  trials: number;
  observations: number;
  sharpe: number;
  skew: number;
  kurtosis: number;
  /** Variance of the trials' Sharpe ratios used for the benchmark. */
  sharpeVariance: number;
  /** The Sharpe the best of `trials` luck-only trials is expected to reach (SR0). */
  expectedMaxSharpe: number;
  /** P(true Sharpe > expectedMaxSharpe); >= 0.95 reads as distinguishable from luck. */
  dsr: number;
}

export function deflatedSharpe(input: DsrInput): DsrResult {
  const m = moments(input.returns);
  const sharpe = m.std > 0 ? m.mean / m.std : 0;
  let variance = 1 / (m.n - 1);
  const t = input.trialSharpes;
  if (!Array.isArray(t)) {
    const spread = t as { count: number; variance: number };
    if (spread.count >= 2 && Number.isFinite(spread.variance)) variance = spread.variance;
  } else {
    const finite = (t as readonly number[]).filter(Number.isFinite);
    if (finite.length >= 2) {
      const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
      variance = finite.reduce((a, b) => a + (b - mean) ** 2, 0) / (finite.length - 1);
    }
  }
  return deflatedSharpeFromMoments({ sharpe, observations: m.n, skew: m.skew, kurtosis: m.kurtosis, trials: input.trials, sharpeVariance: variance });
}

/** The same from summary figures (as in the paper's worked example). */
export function deflatedSharpeFromMoments(o: {
  sharpe: number; observations: number; skew: number; kurtosis: number; trials: number; sharpeVariance: number;
}): DsrResult {
  if (!(Number.isInteger(o.trials) && o.trials >= 1)) throw new RangeError(`deflatedSharpe: trials must be an integer >= 1 (got ${o.trials})`);
  if (!(o.sharpeVariance >= 0)) throw new RangeError(`deflatedSharpe: sharpeVariance must be >= 0 (got ${o.sharpeVariance})`);
  const sr0 = Math.sqrt(o.sharpeVariance) * expectedMaxOfNormals(o.trials);
  return {
    trials: o.trials, observations: o.observations, sharpe: o.sharpe, skew: o.skew, kurtosis: o.kurtosis,
    sharpeVariance: o.sharpeVariance, expectedMaxSharpe: sr0,
    dsr: probabilisticSharpe(o.sharpe, sr0, o.observations, o.skew, o.kurtosis),
  };
}
