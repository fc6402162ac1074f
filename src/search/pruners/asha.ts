/**
 * Asynchronous successive halving (Li et al. 2020, "A System for Massively Parallel
 * Hyperparameter Tuning"). Rungs sit at resources r * eta^(s + k), k = 0, 1, ... (r: minimum
 * resource, here epochs; eta: reduction factor; s: minimum early-stopping rate). When a trial
 * reaches a rung, it is compared with the values that the trials it is compared against (see
 * Study) reported at that rung: of the n values there, its own included, the best
 * max(1, floor(n / eta)) continue and the others are pruned. A non-finite value is pruned.
 */
import type { Direction } from '../samplers/types.js';

export interface AshaOptions {
  minResource?: number;
  reductionFactor?: number;
  minEarlyStoppingRate?: number;
}

/** A trial's reported values by step (step = resource used so far, e.g. epochs done). */
export type Intermediate = ReadonlyMap<number, number>;

export class AshaPruner {
  readonly minResource: number;
  readonly reductionFactor: number;
  readonly minEarlyStoppingRate: number;

  constructor(o: AshaOptions = {}) {
    this.minResource = o.minResource ?? 1;
    this.reductionFactor = o.reductionFactor ?? 3;
    this.minEarlyStoppingRate = o.minEarlyStoppingRate ?? 0;
    if (!(Number.isInteger(this.minResource) && this.minResource >= 1)) throw new RangeError(`asha.minResource must be an integer >= 1 (got ${this.minResource})`);
    if (!(Number.isInteger(this.reductionFactor) && this.reductionFactor >= 2)) throw new RangeError(`asha.reductionFactor must be an integer >= 2 (got ${this.reductionFactor})`);
    if (!(Number.isInteger(this.minEarlyStoppingRate) && this.minEarlyStoppingRate >= 0)) {
      throw new RangeError(`asha.minEarlyStoppingRate must be an integer >= 0 (got ${this.minEarlyStoppingRate})`);
    }
  }

  /** Whether `step` is a rung. */
  isRung(step: number): boolean {
    let r = this.minResource * this.reductionFactor ** this.minEarlyStoppingRate;
    while (r < step) r *= this.reductionFactor;
    return r === step;
  }

  /** Whether a trial that reported `value` at `step` stops, given the others' reports. */
  shouldPrune(step: number, value: number, others: readonly Intermediate[], direction: Direction): boolean {
    if (!Number.isFinite(value)) return true;
    if (!this.isRung(step)) return false;
    const values = [value];
    for (const o of others) {
      const v = o.get(step);
      if (v !== undefined && Number.isFinite(v)) values.push(v);
    }
    values.sort((a, b) => (direction === 'max' ? b - a : a - b));
    const keep = Math.max(1, Math.floor(values.length / this.reductionFactor));
    const threshold = values[keep - 1];
    return direction === 'max' ? value < threshold : value > threshold;
  }
}
