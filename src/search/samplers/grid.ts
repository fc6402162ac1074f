/**
 * Every combination of the parameters' grid values, in a seeded shuffled order (so a study cut
 * short by its budget still covers the space evenly); inactive conditional parameters are left
 * out and the combinations that become equal are kept once.
 */
import { Rng } from '../../data/random.js';
import { gridValues, isActive, type Params, type SearchSpace } from '../space.js';
import type { Sampler } from './types.js';

export function gridPoints(space: SearchSpace): Params[] {
  let points: Params[] = [{}];
  for (const p of space.params) {
    const values = gridValues(p);
    points = points.flatMap((pt) => (isActive(p, pt) ? values.map((v) => ({ ...pt, [p.key]: v })) : [pt]));
  }
  const seen = new Set<string>();
  return points.filter((pt) => {
    const key = JSON.stringify(pt);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export class GridSampler implements Sampler {
  readonly name = 'grid';
  readonly points: Params[];

  constructor(space: SearchSpace, seed: number) {
    this.points = gridPoints(space);
    const rng = new Rng(seed);
    for (let i = this.points.length - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [this.points[i], this.points[j]] = [this.points[j], this.points[i]];
    }
  }

  sample(number: number): Params | null {
    return number < this.points.length ? { ...this.points[number] } : null;
  }
}
