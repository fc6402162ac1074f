/** Sample moments of a return series: mean, standard deviation, skewness, (non-excess) kurtosis. */
export interface Moments {
  n: number;
  mean: number;
  /** Population standard deviation (divides by n), as in the DSR paper's moment estimates. */
  std: number;
  skew: number;
  /** Pearson kurtosis: 3 for a normal distribution. */
  kurtosis: number;
}

export function moments(x: ArrayLike<number>): Moments {
  const n = x.length;
  if (n < 2) throw new RangeError(`moments: need at least 2 returns (got ${n})`);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean;
    const d2 = d * d;
    m2 += d2; m3 += d2 * d; m4 += d2 * d2;
  }
  m2 /= n; m3 /= n; m4 /= n;
  const std = Math.sqrt(m2);
  // A constant series has no shape: report it as normal rather than NaN.
  return { n, mean, std, skew: m2 > 0 ? m3 / m2 ** 1.5 : 0, kurtosis: m2 > 0 ? m4 / (m2 * m2) : 3 };
}

/** Per-observation Sharpe ratio (mean / std, rf 0); 0 for a constant series. */
export function sharpeOf(x: ArrayLike<number>): number {
  const m = moments(x);
  return m.std > 0 ? m.mean / m.std : 0;
}

/** Count, mean and sample variance of a stream (Welford): the spread of millions of trials' Sharpe ratios without holding them. */
export class RunningVariance {
  count = 0;
  private mean = 0;
  private m2 = 0;

  add(x: number): void {
    this.count += 1;
    const d = x - this.mean;
    this.mean += d / this.count;
    this.m2 += d * (x - this.mean);
  }

  /** Sample variance (n - 1); NaN below two values. */
  get variance(): number {
    return this.count >= 2 ? this.m2 / (this.count - 1) : NaN;
  }
}
