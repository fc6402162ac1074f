/**
 * Streaming mean of a per-sample quantity (price errors, coverage hits): a running sum and
 * count, so the result over many batches equals the one-shot mean.
 */
import type { HorizonBatch } from './batch.js';

export type SampleValue = (b: HorizonBatch, i: number) => number;

export class SampleMeanAccumulator {
  private sum = 0;
  private count = 0;

  constructor(private readonly sample: SampleValue) {}

  update(b: HorizonBatch): void {
    for (let i = 0; i < b.lastClose.length; i++) this.sum += this.sample(b, i);
    this.count += b.lastClose.length;
  }

  /** NaN before any sample. */
  value(): number {
    return this.sum / this.count;
  }
}
