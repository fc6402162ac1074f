/**
 * Layer normalisation as two kernels of the `ntp` backend (native/binding/
 * tensor_layer_norm_binding.cc: core/nn/layer_norm on the host, cuda/layer_norm.cu on a GPU).
 * `NtpLayerNorm` normalises x [..., D] over its last axis, with the Transformer's residual step
 * fused in when `residual` is given (s = x + dropout(residual), mask from `seed`), and returns
 * [y, mean, rstd] plus s with a residual; `NtpLayerNormGrad` is its analytic gradient,
 * [dx, dgamma, dbeta] plus dresidual. They replace a dozen kernels forward and two dozen
 * backward: models/fused-ops.ts dispatches to them whenever ntp is the active backend.
 */
import * as tf from '@tensorflow/tfjs';

import { float32Inputs, type NtpKernel } from './kernel.js';

export const NTP_LAYER_NORM = 'NtpLayerNorm';
export const NTP_LAYER_NORM_GRAD = 'NtpLayerNormGrad';

interface LayerNormShape { rows: number; dim: number; dropout: number; seed: number }

declare module '../../../native/types.js' {
  interface NativeAddon {
    tensorLayerNormForward(o: LayerNormShape & { x: number; gamma: number; beta: number; y: number; mean: number; rstd: number;
      residual?: number; sum?: number; epsilon: number }): void;
    tensorLayerNormBackward(o: LayerNormShape & { x: number; gamma: number; mean: number; rstd: number; dy: number; dx: number;
      dgamma: number; dbeta: number; dresidual?: number }): void;
  }
}

function layerNormShape(name: string, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>): LayerNormShape {
  float32Inputs(name, inputs);
  const shape = inputs.x.shape;
  const dim = shape[shape.length - 1];
  return { rows: tf.util.sizeFromShape(shape) / dim, dim, dropout: Number(attrs.dropout ?? 0), seed: Number(attrs.seed ?? 0) };
}

export const layerNormKernels: NtpKernel[] = [
  [NTP_LAYER_NORM, ({ inputs, backend: b, attrs }) => {
    const s = layerNormShape(NTP_LAYER_NORM, inputs, attrs);
    const { x, gamma, beta, residual } = inputs;
    const [y, mean, rstd] = [x.shape, [s.rows], [s.rows]].map((shape) => b.makeOutput(shape, 'float32'));
    const sum = residual ? b.makeOutput(x.shape, 'float32') : null;
    b.addon.tensorLayerNormForward({ ...s, epsilon: Number(attrs.epsilon), x: b.handle(x), gamma: b.handle(gamma), beta: b.handle(beta),
      y: b.handle(y), mean: b.handle(mean), rstd: b.handle(rstd), ...(residual && sum ? { residual: b.handle(residual), sum: b.handle(sum) } : {}) });
    return sum ? [y, mean, rstd, sum] : [y, mean, rstd];
  }],
  [NTP_LAYER_NORM_GRAD, ({ inputs, backend: b, attrs }) => {
    const s = layerNormShape(NTP_LAYER_NORM_GRAD, inputs, attrs);
    const { x, gamma } = inputs;
    const withResidual = Boolean(attrs.residual);
    const [dx, dgamma, dbeta] = [x.shape, gamma.shape, gamma.shape].map((shape) => b.makeOutput(shape, 'float32'));
    const dresidual = withResidual ? b.makeOutput(x.shape, 'float32') : null;
    const h = (name: string) => b.handle(inputs[name]);
    b.addon.tensorLayerNormBackward({ ...s, x: h('x'), gamma: h('gamma'), mean: h('mean'), rstd: h('rstd'), dy: h('dy'), dx: b.handle(dx),
      dgamma: b.handle(dgamma), dbeta: b.handle(dbeta), ...(dresidual ? { dresidual: b.handle(dresidual) } : {}) });
    return dresidual ? [dx, dgamma, dbeta, dresidual] : [dx, dgamma, dbeta];
  }],
];
