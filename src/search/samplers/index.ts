export type { Direction, FinishedTrial, Sampler, TrialState } from './types.js';
export { RandomSampler } from './random.js';
export { GridSampler, gridPoints } from './grid.js';
export { TpeSampler, type TpeOptions } from './tpe.js';
