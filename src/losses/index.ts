/** Training losses (SPEC §7.1): per-head losses, trend consistency, the composite, the registry. */
export { binaryCrossEntropy } from './bce.js';
export { assertFiniteTensors } from './check.js';
export {
  type CompositeLoss,
  type CompositeLossOptions,
  compositeFromInputs,
  compositeLoss,
  DEFAULT_TERM_LOSSES,
  DEFAULT_TERM_WEIGHTS,
  type Term,
  TERMS,
} from './composite.js';
export { binaryFocal, FOCAL_DEFAULTS, type FocalOptions } from './focal.js';
export { compositeTotal, fusedCompositeLoss, fusedLossSettings } from './fused.js';
export { gaussianNll, MIN_VARIANCE } from './gaussian-nll.js';
export { HUBER_DELTA, huber, huberElementwise } from './huber.js';
export { type Head, HEADS, type LossInputOptions, type LossInputs, type LossTargets, type ModelOutputs, toLossInputs } from './inputs.js';
export { PROB_EPSILON } from './probability.js';
export { DEFAULT_LOSS_PARAMS, type LossFn, type LossParams, lossRegistry } from './registry.js';
export { TREND_TAU, trendExtended, trendGlobal, trendLocal } from './trend.js';
