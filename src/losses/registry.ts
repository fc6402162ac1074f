/**
 * Losses by name (SPEC §7.1: every loss is reachable through a registry). Each entry reads the
 * stacked [B, H] inputs and returns either the batch-mean loss per horizon ([H]) or, for the
 * cross-horizon trend terms, a scalar. Options other than the SPEC defaults are reached by
 * calling the functions in huber.ts, focal.ts, ... directly.
 */
import type * as tf from '@tensorflow/tfjs';
import { lossRegistry } from '../registry/index.js';
import { binaryCrossEntropy } from './bce.js';
import { binaryFocal } from './focal.js';
import { gaussianNll } from './gaussian-nll.js';
import { huber } from './huber.js';
import type { LossInputs } from './inputs.js';
import { trendExtended, trendGlobal, trendLocal } from './trend.js';

export type LossFn = (x: LossInputs) => tf.Tensor;

declare module '../registry/instances.js' {
  interface RegistryTypes {
    loss: LossFn;
  }
}

export { lossRegistry };

lossRegistry.register('huber', (x) => huber(x.price, x.y));
lossRegistry.register('focal', (x) => binaryFocal(x.direction, x.d));
lossRegistry.register('bce', (x) => binaryCrossEntropy(x.direction, x.d));
lossRegistry.register('gaussian_nll', (x) => gaussianNll(x.price, x.variance, x.y));
lossRegistry.register('trend_local', (x) => trendLocal(x.price, x.y));
lossRegistry.register('trend_global', (x) => trendGlobal(x.price, x.y));
lossRegistry.register('trend_extended', (x) => trendExtended(x.price, x.y, x.direction));
