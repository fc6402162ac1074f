/** What a sampler sees of earlier trials, and the contract every sampler keeps. */
import type { Params } from '../space.js';

export type Direction = 'max' | 'min';
export type TrialState = 'running' | 'complete' | 'pruned' | 'failed';

export interface FinishedTrial {
  number: number;
  params: Params;
  state: Exclude<TrialState, 'running'>;
  /** The objective (complete) or the last reported value (pruned); null when unknown. */
  value: number | null;
}

/**
 * Proposes trial `number`'s parameters from the trials finished before it (the study passes
 * the same history on a resumed run, so proposals are reproducible). Returns null when the
 * sampler has nothing left to propose (a grid that is used up).
 */
export interface Sampler {
  readonly name: string;
  sample(number: number, history: readonly FinishedTrial[]): Params | null;
}

/** A 32-bit seed for trial `number` of a study seeded `seed` (FNV-style mix). */
export function trialSeed(seed: number, number: number, salt = 0): number {
  let h = 2166136261;
  for (const x of [seed, number, salt]) h = Math.imul(h ^ (x >>> 0), 16777619) ^ (h >>> 15);
  return h >>> 0;
}
