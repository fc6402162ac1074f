/** Independent uniform draws per parameter (log-uniform for log ranges), seeded per trial. */
import { Rng } from '../../data/random.js';
import { isActive, snap, type FloatParam, type IntParam, type Param, type ParamValue, type Params, type SearchSpace } from '../space.js';
import { trialSeed, type Sampler } from './types.js';

/** The bounds a numeric parameter is sampled in: log scale for log ranges, widened by half a step on grids. */
export function numericBounds(p: FloatParam | IntParam): [number, number] {
  const half = p.step !== undefined ? p.step / 2 : 0;
  const lo = p.low - half;
  const hi = p.high + half;
  return p.log ? [Math.log(Math.max(lo, p.low / 2)), Math.log(hi)] : [lo, hi];
}

export function fromInternal(p: FloatParam | IntParam, u: number): number {
  return snap(p, p.log ? Math.exp(u) : u);
}

export function uniformValue(p: Param, rng: Rng): ParamValue {
  if (p.kind === 'categorical') return p.choices[Math.floor(rng.uniform() * p.choices.length)];
  const [lo, hi] = numericBounds(p);
  return fromInternal(p, lo + rng.uniform() * (hi - lo));
}

export function randomParams(space: SearchSpace, rng: Rng): Params {
  const out: Params = {};
  for (const p of space.params) if (isActive(p, out)) out[p.key] = uniformValue(p, rng);
  return out;
}

export class RandomSampler implements Sampler {
  readonly name = 'random';
  constructor(private readonly space: SearchSpace, private readonly seed: number) {}

  sample(number: number): Params {
    return randomParams(this.space, new Rng(trialSeed(this.seed, number)));
  }
}
