/**
 * Probability of Backtest Overfitting by combinatorially symmetric cross-validation (Bailey,
 * Borwein, Lopez de Prado & Zhu 2015). The T x N matrix of per-bar returns (N trials) is cut
 * into S equal row blocks; for every choice of S/2 blocks as in-sample (the rest out of
 * sample) the in-sample best trial is ranked out of sample; PBO is the share of choices where
 * its relative rank w is at or below the median (logit ln(w / (1 - w)) <= 0).
 */

export type PboMetric = 'sharpe' | 'mean';

export interface PboOptions {
  /** Even number of blocks (default 16, lowered so every block has at least 2 rows). */
  blocks?: number;
  metric?: PboMetric;
}

export interface PboResult {
  pbo: number;
  blocks: number;
  combinations: number;
  trials: number;
  observations: number;
  /** Logit of the IS-best trial's OOS relative rank, one per combination. */
  logits: number[];
}

/** Every k-subset of 0..n-1, in lexicographic order. */
function* subsets(n: number, k: number): Generator<number[]> {
  const c = Array.from({ length: k }, (_, i) => i);
  while (true) {
    yield [...c];
    let i = k - 1;
    while (i >= 0 && c[i] === n - k + i) i--;
    if (i < 0) return;
    c[i] += 1;
    for (let j = i + 1; j < k; j++) c[j] = c[j - 1] + 1;
  }
}

/** Rank of `values[idx]` among `values`, 1 = lowest, ties share their average rank. */
function averageRank(values: Float64Array, idx: number): number {
  let below = 0;
  let equal = 0;
  for (const v of values) {
    if (v < values[idx]) below += 1;
    else if (v === values[idx]) equal += 1;
  }
  return below + (equal + 1) / 2;
}

/**
 * Per trial and block: count, sum and sum of squares of the returns, so the returns need not
 * be held in memory (a sweep streams them in) and each combination costs O(N S).
 */
export class BlockStats {
  readonly stats: Float64Array[];
  readonly size: number;

  /** `trials` series of `observations` returns cut into `blocks` row blocks (the last takes the rest). */
  constructor(readonly trials: number, readonly observations: number, readonly blocks: number) {
    if (!(Number.isInteger(blocks) && blocks >= 2 && blocks % 2 === 0)) throw new RangeError(`PBO: blocks must be an even integer >= 2 (got ${blocks})`);
    if (observations < blocks) throw new RangeError(`PBO: ${observations} observations are too few for ${blocks} blocks`);
    if (trials < 2) throw new RangeError(`PBO: need at least 2 trials with returns (got ${trials})`);
    this.size = Math.floor(observations / blocks);
    this.stats = Array.from({ length: trials }, () => new Float64Array(3 * blocks));
  }

  /** Adds return `value` of trial `trial` at row `index` (0-based over all observations). */
  add(trial: number, index: number, value: number): void {
    const b = Math.min(this.blocks - 1, Math.floor(index / this.size));
    const s = this.stats[trial];
    s[3 * b] += 1; s[3 * b + 1] += value; s[3 * b + 2] += value * value;
  }
}

/** The default block count for T observations: 16, lowered so every block has at least 2 rows. */
export function defaultBlocks(observations: number, wanted = 16): number {
  return Math.min(wanted, 2 * Math.floor(observations / 4));
}

/** `returns[n]` is trial n's per-bar return series; all of one length T. */
export function probabilityOfBacktestOverfitting(returns: readonly ArrayLike<number>[], options: PboOptions = {}): PboResult {
  const n = returns.length;
  if (n < 2) throw new RangeError(`PBO: need at least 2 trials with returns (got ${n})`);
  const t = returns[0].length;
  returns.forEach((r, i) => {
    if (r.length !== t) throw new RangeError(`PBO: trial ${i} has ${r.length} returns, trial 0 has ${t}; all must cover the same bars`);
  });
  const acc = new BlockStats(n, t, options.blocks ?? defaultBlocks(t));
  returns.forEach((r, k) => { for (let i = 0; i < t; i++) acc.add(k, i, r[i]); });
  return pboFromBlocks(acc, options.metric);
}

export function pboFromBlocks(acc: BlockStats, metric: PboMetric = 'sharpe'): PboResult {
  const { trials: n, blocks: s, stats } = acc;
  const perf = (trial: number, blocks: readonly number[]): number => {
    let c = 0; let sum = 0; let sq = 0;
    for (const b of blocks) { c += stats[trial][3 * b]; sum += stats[trial][3 * b + 1]; sq += stats[trial][3 * b + 2]; }
    const mean = sum / c;
    if (metric === 'mean') return mean;
    const variance = Math.max(0, sq / c - mean * mean);
    return variance > 0 ? mean / Math.sqrt(variance) : 0;
  };
  const logits: number[] = [];
  let overfit = 0;
  const inSample = new Float64Array(n);
  const outSample = new Float64Array(n);
  for (const is of subsets(s, s / 2)) {
    const oos = Array.from({ length: s }, (_, b) => b).filter((b) => !is.includes(b));
    for (let k = 0; k < n; k++) { inSample[k] = perf(k, is); outSample[k] = perf(k, oos); }
    let best = 0;
    for (let k = 1; k < n; k++) if (inSample[k] > inSample[best]) best = k;
    const w = averageRank(outSample, best) / (n + 1);
    const logit = Math.log(w / (1 - w));
    logits.push(logit);
    if (logit <= 0) overfit += 1;
  }
  return { pbo: overfit / logits.length, blocks: s, combinations: logits.length, trials: n, observations: acc.observations, logits };
}
