/**
 * Losses by name (SPEC §7.1: every loss is reachable through a registry). Each entry reads the
 * stacked [B, H] inputs and returns either the batch-mean loss per horizon ([H]) or, for the
 * cross-horizon trend terms, a scalar. Each entry also receives the loss parameters (Huber
 * delta, focal alpha/gamma, trend tau), so a config's `losses` section reaches every term.
 */
import type * as tf from '@tensorflow/tfjs';
import { lossRegistry } from '../registry/index.js';
import { binaryCrossEntropy } from './bce.js';
import { binaryFocal, FOCAL_DEFAULTS } from './focal.js';
import { gaussianNll } from './gaussian-nll.js';
import { huber, HUBER_DELTA } from './huber.js';
import type { LossInputs } from './inputs.js';
import { TREND_TAU, trendExtended, trendGlobal, trendLocal } from './trend.js';

/** Tunable loss parameters (SPEC §7.1 defaults in DEFAULT_LOSS_PARAMS). */
export interface LossParams {
  huberDelta: number;
  /** One alpha, or one per horizon. */
  focalAlpha: number | readonly number[];
  focalGamma: number;
  trendTau: number;
}

export const DEFAULT_LOSS_PARAMS: Readonly<LossParams> = { huberDelta: HUBER_DELTA, focalAlpha: FOCAL_DEFAULTS.alpha, focalGamma: FOCAL_DEFAULTS.gamma, trendTau: TREND_TAU };

export type LossFn = (x: LossInputs, params: Readonly<LossParams>) => tf.Tensor;

declare module '../registry/instances.js' {
  interface RegistryTypes {
    loss: LossFn;
  }
}

export { lossRegistry };

lossRegistry.register('huber', (x, p) => huber(x.price, x.y, p.huberDelta));
lossRegistry.register('focal', (x, p) => binaryFocal(x.direction, x.d, { alpha: p.focalAlpha, gamma: p.focalGamma }));
lossRegistry.register('bce', (x) => binaryCrossEntropy(x.direction, x.d));
lossRegistry.register('gaussian_nll', (x) => gaussianNll(x.price, x.variance, x.y));
lossRegistry.register('trend_local', (x, p) => trendLocal(x.price, x.y, p.huberDelta));
lossRegistry.register('trend_global', (x, p) => trendGlobal(x.price, x.y, p.huberDelta));
lossRegistry.register('trend_extended', (x, p) => trendExtended(x.price, x.y, x.direction, p.trendTau));
