/** Errors of reconstructed prices c_t exp(return) (SPEC §7.2), per sample. */
import type { HorizonBatch } from './batch.js';

function prices(b: HorizonBatch, i: number): { predicted: number; actual: number } {
  const c = b.lastClose[i];
  return { predicted: c * Math.exp(b.predReturn[i]), actual: c * Math.exp(b.trueReturn[i]) };
}

/** |predicted price - true price|, in price units. */
export function absPriceError(b: HorizonBatch, i: number): number {
  const { predicted, actual } = prices(b, i);
  return Math.abs(predicted - actual);
}

/** 100 |predicted - true| / true: MAPE is reported in percent. */
export function absPercentPriceError(b: HorizonBatch, i: number): number {
  const { predicted, actual } = prices(b, i);
  return (100 * Math.abs(predicted - actual)) / actual;
}
