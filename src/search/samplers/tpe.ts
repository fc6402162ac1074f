/**
 * Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio & Kegl 2011), independent per
 * parameter as in Optuna's default. The finished trials are split into "good" (the best
 * ceil(gamma n) complete ones) and "bad" (the other complete ones and the pruned ones); each
 * side's values of a parameter form a Parzen density, l(x) for good and g(x) for bad, and the
 * proposal is the candidate drawn from l with the largest l(x) / g(x), which maximises
 * expected improvement under the TPE model. Until `startupTrials` trials are complete it
 * samples at random.
 */
import { Rng } from '../../data/random.js';
import { normalCdf, normalQuantile } from '../statistics/normal.js';
import { isActive, type CategoricalParam, type Choice, type FloatParam, type IntParam, type ParamValue, type Params, type SearchSpace } from '../space.js';
import { fromInternal, numericBounds, randomParams } from './random.js';
import { trialSeed, type Direction, type FinishedTrial, type Sampler } from './types.js';

export interface TpeOptions {
  /** Complete trials sampled at random before TPE starts (default 10). */
  startupTrials?: number;
  /** Candidates drawn from l(x) per parameter (default 24). */
  candidates?: number;
  /** Share of complete trials counted as good (default 0.1, as Optuna; at least one, at most 25 trials). */
  gamma?: number;
}

interface Kernel { mu: number; sigma: number; mass: number }

/** A mixture of normals truncated to [lo, hi], equal weights, with a wide prior kernel. */
class Parzen {
  private readonly kernels: Kernel[];

  constructor(points: readonly number[], private readonly lo: number, private readonly hi: number) {
    const range = hi - lo;
    const sorted = [...points].sort((a, b) => a - b);
    // Bandwidth: the larger gap to a neighbour, clipped so a few close points do not collapse it.
    const minSigma = range / Math.min(100, 1 + sorted.length);
    const kernels = sorted.map((mu, i) => {
      const left = mu - (i > 0 ? sorted[i - 1] : lo);
      const right = (i < sorted.length - 1 ? sorted[i + 1] : hi) - mu;
      return { mu, sigma: Math.min(range, Math.max(minSigma, left, right)), mass: 0 };
    });
    kernels.push({ mu: (lo + hi) / 2, sigma: range, mass: 0 });
    for (const k of kernels) k.mass = normalCdf((hi - k.mu) / k.sigma) - normalCdf((lo - k.mu) / k.sigma);
    this.kernels = kernels;
  }

  sample(rng: Rng): number {
    const k = this.kernels[Math.floor(rng.uniform() * this.kernels.length)];
    const a = normalCdf((this.lo - k.mu) / k.sigma);
    const b = normalCdf((this.hi - k.mu) / k.sigma);
    const u = a + rng.uniform() * (b - a);
    const x = k.mu + k.sigma * normalQuantile(Math.min(1 - 1e-16, Math.max(1e-300, u)));
    return Math.min(this.hi, Math.max(this.lo, x));
  }

  logDensity(x: number): number {
    let sum = 0;
    for (const k of this.kernels) {
      const z = (x - k.mu) / k.sigma;
      sum += Math.exp(-0.5 * z * z) / (k.sigma * Math.sqrt(2 * Math.PI) * k.mass);
    }
    return Math.log(sum / this.kernels.length);
  }
}

/** Category weights: counts plus one prior observation of every choice (as Optuna's prior kernels add up to). */
function categoryWeights(p: CategoricalParam, values: readonly ParamValue[]): number[] {
  const w = p.choices.map(() => 1);
  for (const v of values) {
    const i = p.choices.indexOf(v as Choice);
    if (i >= 0) w[i] += 1;
  }
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
}

function drawIndex(weights: readonly number[], rng: Rng): number {
  let u = rng.uniform();
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return weights.length - 1;
}

export class TpeSampler implements Sampler {
  readonly name = 'tpe';
  private readonly startup: number;
  private readonly candidates: number;
  private readonly gamma: number;

  constructor(private readonly space: SearchSpace, private readonly seed: number, private readonly direction: Direction, o: TpeOptions = {}) {
    this.startup = o.startupTrials ?? 10;
    this.candidates = o.candidates ?? 24;
    this.gamma = o.gamma ?? 0.1;
    if (!(Number.isInteger(this.startup) && this.startup >= 0)) throw new RangeError(`tpe.startupTrials must be an integer >= 0 (got ${this.startup})`);
    if (!(Number.isInteger(this.candidates) && this.candidates >= 1)) throw new RangeError(`tpe.candidates must be an integer >= 1 (got ${this.candidates})`);
    if (!(this.gamma > 0 && this.gamma <= 1)) throw new RangeError(`tpe.gamma must be in (0, 1] (got ${this.gamma})`);
  }

  sample(number: number, history: readonly FinishedTrial[]): Params {
    const rng = new Rng(trialSeed(this.seed, number));
    const complete = history.filter((t) => t.state === 'complete' && t.value !== null && Number.isFinite(t.value));
    if (complete.length < Math.max(1, this.startup)) return randomParams(this.space, rng);
    const sign = this.direction === 'max' ? -1 : 1;
    const ranked = [...complete].sort((a, b) => sign * (a.value! - b.value!) || a.number - b.number);
    const nGood = Math.min(25, Math.max(1, Math.ceil(this.gamma * ranked.length)));
    const good = ranked.slice(0, nGood);
    const bad = [...ranked.slice(nGood), ...history.filter((t) => t.state === 'pruned')];
    const out: Params = {};
    for (const p of this.space.params) {
      if (!isActive(p, out)) continue;
      const g = good.flatMap((t) => (p.key in t.params ? [t.params[p.key]] : []));
      const b = bad.flatMap((t) => (p.key in t.params ? [t.params[p.key]] : []));
      out[p.key] = p.kind === 'categorical' ? this.categorical(p, g, b, rng) : this.numeric(p, g as number[], b as number[], rng);
    }
    return out;
  }

  private numeric(p: FloatParam | IntParam, good: number[], bad: number[], rng: Rng): number {
    const [lo, hi] = numericBounds(p);
    const toInternal = (x: number) => (p.log ? Math.log(x) : x);
    const l = new Parzen(good.map(toInternal), lo, hi);
    const g = new Parzen(bad.map(toInternal), lo, hi);
    let best = NaN;
    let bestScore = -Infinity;
    for (let i = 0; i < this.candidates; i++) {
      const x = l.sample(rng);
      const score = l.logDensity(x) - g.logDensity(x);
      if (score > bestScore) { bestScore = score; best = x; }
    }
    return fromInternal(p, best);
  }

  private categorical(p: CategoricalParam, good: ParamValue[], bad: ParamValue[], rng: Rng): ParamValue {
    const l = categoryWeights(p, good);
    const g = categoryWeights(p, bad);
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < this.candidates; i++) {
      const k = drawIndex(l, rng);
      const score = Math.log(l[k]) - Math.log(g[k]);
      if (score > bestScore) { bestScore = score; best = k; }
    }
    return p.choices[best];
  }
}
