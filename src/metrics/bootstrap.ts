/**
 * Moving-block bootstrap of direction calls (Künsch 1989). Consecutive windows share most of
 * their bars and overlapping targets, so windows are resampled in blocks that keep that serial
 * dependence: a resample of n windows is ceil(n / b) blocks of b consecutive windows, each
 * starting uniformly in [0, n - b], concatenated and cut to n. Every predictor is scored on the
 * same resampled windows, which makes the paired differences meaningful. Counts over a block
 * come from prefix sums, so a resample costs O(n / b) per predictor.
 */
import { Rng } from '../data/random.js';
import type { ConfusionCounts } from './confusion.js';

export interface BootstrapOptions {
  samples: number;
  /** Windows per block; clamped to n. */
  blockLength: number;
  seed: number;
}

/** ceil(sqrt(n)), at least `min` (e.g. the longest horizon, so overlapping targets stay in one block), at most n. */
export function defaultBlockLength(n: number, min = 1): number {
  return Math.max(1, Math.min(n, Math.max(min, Math.ceil(Math.sqrt(n)))));
}

/** Start indices of the ceil(n / b) blocks of one resample. */
export function blockStarts(rng: Rng, n: number, blockLength: number): Int32Array {
  const b = Math.min(blockLength, n);
  return Int32Array.from({ length: Math.ceil(n / b) }, () => rng.int(n - b + 1));
}

/** Confusion counts of one predictor over any run of windows, from prefix sums. */
export class ConfusionPrefix {
  private readonly tp: Int32Array;
  private readonly fp: Int32Array;
  private readonly fn: Int32Array;

  /** calls[i], labels[i]: 1 = up. */
  constructor(calls: Uint8Array, labels: Uint8Array) {
    if (calls.length !== labels.length) throw new RangeError(`ConfusionPrefix: ${calls.length} calls for ${labels.length} labels`);
    const n = labels.length;
    this.tp = new Int32Array(n + 1);
    this.fp = new Int32Array(n + 1);
    this.fn = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      const c = calls[i], l = labels[i];
      this.tp[i + 1] = this.tp[i] + (c & l);
      this.fp[i + 1] = this.fp[i] + (c & (1 - l));
      this.fn[i + 1] = this.fn[i] + ((1 - c) & l);
    }
  }

  get length(): number {
    return this.tp.length - 1;
  }

  /** Counts over the resample made of blocks at `starts` (each `blockLength` long, the last cut so the total is n). */
  resample(starts: Int32Array, blockLength: number): ConfusionCounts {
    const n = this.length;
    const b = Math.min(blockLength, n);
    let tp = 0, fp = 0, fn = 0, left = n;
    for (let k = 0; k < starts.length && left > 0; k++) {
      const s = starts[k], e = s + Math.min(b, left);
      tp += this.tp[e] - this.tp[s];
      fp += this.fp[e] - this.fp[s];
      fn += this.fn[e] - this.fn[s];
      left -= e - s;
    }
    return { tp, fp, fn, tn: n - tp - fp - fn };
  }
}

/** counts[r][p]: predictor p's confusion counts on resample r, all predictors on the same resamples. */
export function bootstrapCounts(calls: readonly Uint8Array[], labels: Uint8Array, o: BootstrapOptions): ConfusionCounts[][] {
  if (!Number.isInteger(o.samples) || o.samples < 1) throw new RangeError(`bootstrap: samples must be an integer >= 1 (got ${o.samples})`);
  if (!Number.isInteger(o.blockLength) || o.blockLength < 1) throw new RangeError(`bootstrap: blockLength must be an integer >= 1 (got ${o.blockLength})`);
  if (labels.length === 0) throw new RangeError('bootstrap: no windows to resample');
  const prefixes = calls.map((c) => new ConfusionPrefix(c, labels));
  const rng = new Rng(o.seed);
  return Array.from({ length: o.samples }, () => {
    const starts = blockStarts(rng, labels.length, o.blockLength);
    return prefixes.map((p) => p.resample(starts, o.blockLength));
  });
}

/**
 * The central `level` percentile interval by nearest rank: the ceil(q B)-th smallest of B values
 * for q = (1 - level) / 2 and (1 + level) / 2.
 */
export function percentileInterval(values: ArrayLike<number>, level = 0.95): [number, number] {
  if (values.length === 0) return [NaN, NaN];
  const sorted = Float64Array.from(values).sort();
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length - 1e-9) - 1))];
  return [rank((1 - level) / 2), rank((1 + level) / 2)];
}
