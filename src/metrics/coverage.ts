/**
 * 1-sigma coverage of the variance head: the fraction of samples with |y - mu| <= sigma,
 * sigma = sqrt(variance). About 0.683 for a well-calibrated Gaussian. Scale-free, so it only
 * needs predReturn, trueReturn and variance in the same units.
 */
import type { HorizonBatch } from './batch.js';

export function withinOneSigma(b: HorizonBatch, i: number): number {
  return Math.abs(b.trueReturn[i] - b.predReturn[i]) <= Math.sqrt(b.variance[i]) ? 1 : 0;
}
