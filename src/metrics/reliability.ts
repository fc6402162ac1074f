/**
 * Reliability diagram data for the direction head (for reports): P(up) binned into equal-width
 * bins, each with the mean predicted probability, the observed frequency of up moves and the
 * count. A calibrated head has meanPredicted close to observedFrequency in every bin.
 */
import { assertValues, type Values } from './batch.js';

export interface ReliabilityBin {
  /** Bin covers [lower, upper); the last bin includes 1. */
  lower: number;
  upper: number;
  /** null for an empty bin. */
  meanPredicted: number | null;
  /** Fraction of samples in the bin whose true return is > 0; null for an empty bin. */
  observedFrequency: number | null;
  count: number;
}

export class ReliabilityAccumulator {
  private readonly sumPredicted: Float64Array;
  private readonly ups: Float64Array;
  private readonly counts: Float64Array;

  constructor(readonly binCount = 10) {
    if (!Number.isInteger(binCount) || binCount < 1) throw new RangeError(`binCount must be an integer >= 1 (got ${binCount})`);
    this.sumPredicted = new Float64Array(binCount);
    this.ups = new Float64Array(binCount);
    this.counts = new Float64Array(binCount);
  }

  /** Adds samples: predicted P(up) and the true return (up when > 0). */
  update(pUp: Values, trueReturn: Values): void {
    assertValues('pUp', 'pUp', pUp);
    assertValues('trueReturn', 'trueReturn', trueReturn, { length: pUp.length, of: 'pUp' });
    for (let i = 0; i < pUp.length; i++) {
      const bin = Math.min(Math.floor(pUp[i] * this.binCount), this.binCount - 1);
      this.sumPredicted[bin] += pUp[i];
      if (trueReturn[i] > 0) this.ups[bin]++;
      this.counts[bin]++;
    }
  }

  bins(): ReliabilityBin[] {
    return Array.from(this.counts, (count, k) => ({
      lower: k / this.binCount,
      upper: (k + 1) / this.binCount,
      meanPredicted: count === 0 ? null : this.sumPredicted[k] / count,
      observedFrequency: count === 0 ? null : this.ups[k] / count,
      count,
    }));
  }
}
