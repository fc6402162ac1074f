/**
 * Direction metrics from a streamed confusion matrix (positive = up). Counts add up across
 * batches, so the scores are exact over everything seen, not a mean of per-batch scores.
 */
import type { HorizonBatch } from './batch.js';

/** SPEC §7.2: P(up) >= 0.5 is an up call. */
export const UP_THRESHOLD = 0.5;

export interface ConfusionCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** (tp + tn) / n; NaN before any sample. */
export function accuracy(c: ConfusionCounts): number {
  return (c.tp + c.tn) / (c.tp + c.fp + c.tn + c.fn);
}

/** 2 tp / (2 tp + fp + fn); 0 when there is no up call and no up label (as scikit-learn). */
export function f1(c: ConfusionCounts): number {
  const denom = 2 * c.tp + c.fp + c.fn;
  return denom === 0 ? 0 : (2 * c.tp) / denom;
}

/** Matthews correlation; 0 when a row or column of the matrix is empty (SPEC §7.2). */
export function mcc(c: ConfusionCounts): number {
  // Two square roots instead of one of the four-way product, which can exceed 2^53.
  const denom = Math.sqrt((c.tp + c.fp) * (c.tp + c.fn)) * Math.sqrt((c.tn + c.fp) * (c.tn + c.fn));
  return denom === 0 ? 0 : (c.tp * c.tn - c.fp * c.fn) / denom;
}

/** Streams one horizon's confusion matrix and scores it with `score`. */
export class ConfusionAccumulator {
  readonly counts: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };

  constructor(private readonly score: (c: ConfusionCounts) => number) {}

  update(b: HorizonBatch): void {
    const c = this.counts;
    for (let i = 0; i < b.pUp.length; i++) {
      const calledUp = b.pUp[i] >= UP_THRESHOLD;
      if (b.trueReturn[i] > 0) {
        if (calledUp) c.tp++;
        else c.fn++;
      } else if (calledUp) c.fp++;
      else c.tn++;
    }
  }

  value(): number {
    return this.score(this.counts);
  }
}
