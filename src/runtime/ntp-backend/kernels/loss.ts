/**
 * The composite training loss as one kernel of the `ntp` backend (native/binding/
 * tensor_loss_binding.cc: core/nn/composite_loss on the host, cuda/composite_loss.cu on a GPU).
 * `NtpCompositeLoss` reads the heads [B, 3H] (price, direction, variance columns) and the targets
 * y, d [B, H], and returns [total [], terms [4], grad [B, 3H]]: the gradient of the total is the
 * forward pass's by-product, so the backward pass is one multiply. losses/fused.ts dispatches to
 * it; the settings are composite_loss.h's, formed there from the loss options.
 */
import * as tf from '@tensorflow/tfjs';

import { float32Inputs, type NtpKernel } from './kernel.js';

export const NTP_COMPOSITE_LOSS = 'NtpCompositeLoss';

/** The fused loss's settings (native/binding/loss_args.h), read by both loss bindings. */
export interface CompositeLossSettings {
  batch: number;
  horizons: number;
  /** Term weights: price, direction, variance, trend. */
  weights: Float32Array;
  horizonWeights: Float32Array;
  /** Focal alpha per horizon. */
  alpha: Float32Array;
  priceDelta: number;
  gamma: number;
  trendDelta: number;
  tau: number;
  trendLocal: boolean;
  trendGlobal: boolean;
  trendAgreement: boolean;
}

declare module '../../../native/types.js' {
  interface NativeAddon {
    tensorCompositeLoss(o: CompositeLossSettings & { heads: number; y: number; d: number; total: number; terms: number; grad: number }): void;
  }
}

export const lossKernels: NtpKernel[] = [
  [NTP_COMPOSITE_LOSS, ({ inputs, backend: b, attrs }) => {
    float32Inputs(NTP_COMPOSITE_LOSS, inputs);
    const { heads, y, d } = inputs;
    const [batch, width] = heads.shape;
    const horizons = width / 3;
    const targets = [batch, horizons];
    if (heads.shape.length !== 2 || !Number.isInteger(horizons) || ![y, d].every((t) => tf.util.arraysEqual(t.shape, targets))) {
      throw new RangeError(`ntp backend: ${NTP_COMPOSITE_LOSS} needs heads [B, 3H] and y, d [B, H] (got [${heads.shape}], [${y.shape}], [${d.shape}])`);
    }
    const settings = { ...(attrs as unknown as CompositeLossSettings), batch, horizons };
    const [total, terms, grad] = [[], [4], heads.shape].map((shape) => b.makeOutput(shape, 'float32'));
    b.addon.tensorCompositeLoss({ ...settings, heads: b.handle(heads), y: b.handle(y), d: b.handle(d), total: b.handle(total),
      terms: b.handle(terms), grad: b.handle(grad) });
    return [total, terms, grad];
  }],
];
