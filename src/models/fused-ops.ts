/**
 * Native fused ops for the Transformer blocks, as differentiable tfjs ops (tf.customGrad):
 * multi-head attention straight from the packed Q/K/V projection, and layer normalisation.
 * On the cpu backend these replace dozens of small tfjs kernels each (transposes, broadcast
 * subtract/multiply, softmax and its gradient, Tile and Tile's per-replica gradient), which
 * dominated the step time. With the native kernels off (setNativeKernels) or no addon both use
 * plain tfjs ops with the same math, so models using them still run (and load) anywhere. On the
 * `ntp` backend both are that backend's own kernels (runtime/ntp-backend/kernels/attention.ts,
 * layer-norm.ts), the same C++ on its device, as is dropout (NtpDropout).
 */
import * as tf from '@tensorflow/tfjs';

import { tryNativeAddon } from '../native/addon.js';
import { activeNtpBackend, NTP_ATTENTION, NTP_ATTENTION_GRAD, NTP_DROPOUT, NTP_LAYER_NORM, NTP_LAYER_NORM_GRAD } from '../runtime/ntp-backend/index.js';
import { kernelOutput } from '../native/kernel-output.js';
import { float32Data as f32 } from '../native/tensor-data.js';
import { recordingGradients, saveForGradient } from '../runtime/gradient-mode.js';
import { nativeElementwise, nativeKernelsEnabled } from './native-kernels.js';

interface AttentionShape { batch: number; steps: number; heads: number; keyDim: number; dropout?: number; seed?: number }

declare module '../native/types.js' {
  interface NativeAddon {
    attentionForward(o: AttentionShape & { qkv: Float32Array; out: { probs?: Float32Array; out: Float32Array } }): void;
    attentionBackward(o: AttentionShape & { qkv: Float32Array; probs: Float32Array; dout: Float32Array; out: { dqkv: Float32Array } }): void;
    layerNormForward(o: { x: Float32Array; gamma: Float32Array; beta: Float32Array; rows: number; dim: number; epsilon: number;
      residual?: Float32Array; dropout?: number; seed?: number;
      out: { y: Float32Array; mean?: Float32Array; rstd?: Float32Array; sum?: Float32Array } }): void;
    layerNormBackward(o: { x: Float32Array; gamma: Float32Array; mean: Float32Array; rstd: Float32Array; dy: Float32Array;
      rows: number; dim: number; dropout?: number; seed?: number;
      out: { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array; dresidual?: Float32Array } }): void;
  }
}

/**
 * qkv [B, T, 3*H*Kd] (Q, K, V blocks, each [H, Kd]) -> context [B, T, H*Kd]:
 * softmax(Q K^T / sqrt(Kd)) V per head, dropout `rate` on the attention weights when > 0.
 */
export function multiHeadAttention(qkv: tf.Tensor3D, heads: number, keyDim: number, rate = 0, seed?: number): tf.Tensor3D {
  const [B, T, W] = qkv.shape;
  if (qkv.rank !== 3 || W !== 3 * heads * keyDim) {
    throw new RangeError(`multiHeadAttention: qkv must be [batch, steps, ${3 * heads * keyDim}] for ${heads} heads of ${keyDim} (got [${qkv.shape}])`);
  }
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`multiHeadAttention: dropout rate must be in [0, 1) (got ${rate})`);
  if (rate > 0 && seed === undefined) throw new RangeError('multiHeadAttention: a dropout rate > 0 needs the seed of its mask');
  if (activeNtpBackend()) return attentionOnNtp(qkv, heads, keyDim, rate, seed);
  const addon = nativeKernelsEnabled() ? tryNativeAddon() : null;
  if (!addon) return attentionWithTfOps(qkv, heads, keyDim, rate, seed);
  const HK = heads * keyDim;
  // The caller's seed decides the mask; the backward pass regenerates the same mask from it.
  const shape = { batch: B, steps: T, heads, keyDim, dropout: rate, seed: seed ?? 0 };
  if (!recordingGradients()) {  // no backward pass: the weights stay in the kernel's scratch
    const out = kernelOutput(B * T * HK);
    addon.attentionForward({ ...shape, qkv: f32(qkv, 'multiHeadAttention'), out: { out } });
    return tf.tensor3d(out, [B, T, HK]);
  }
  const op = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const out = { probs: kernelOutput(B * heads * T * T), out: kernelOutput(B * T * HK) };
    addon.attentionForward({ ...shape, qkv: f32(x, 'multiHeadAttention'), out });
    save([x, tf.tensor1d(out.probs)]);
    return {
      value: tf.tensor3d(out.out, [B, T, HK]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dqkv = kernelOutput(B * T * 3 * HK);
        addon.attentionBackward({ ...shape, qkv: f32(saved[0], 'multiHeadAttention'), probs: f32(saved[1], 'multiHeadAttention'),
          dout: f32(dy, 'multiHeadAttention'), out: { dqkv } });
        return tf.tensor3d(dqkv, [B, T, 3 * HK]);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(qkv) as tf.Tensor3D;
}

/** multiHeadAttention on the `ntp` backend: NtpAttention forward, NtpAttentionGrad backward, on its device. */
function attentionOnNtp(qkv: tf.Tensor3D, heads: number, keyDim: number, rate: number, seed: number | undefined): tf.Tensor3D {
  const attrs = { heads, keyDim, dropout: rate, seed: seed ?? 0 } as unknown as tf.NamedAttrMap;
  const forward = (x: tf.Tensor) => tf.engine().runKernel(NTP_ATTENTION, { qkv: x }, attrs) as tf.Tensor[];
  if (!recordingGradients()) {
    const [out, probs] = forward(qkv);
    probs.dispose();
    return out as tf.Tensor3D;
  }
  const op = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const [out, probs] = forward(x);
    save([x, probs]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(NTP_ATTENTION_GRAD, { qkv: saved[0], probs: saved[1], dy }, attrs) as tf.Tensor,
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(qkv) as tf.Tensor3D;
}

/** The same attention with tfjs ops (fallback and test reference). */
export function attentionWithTfOps(qkv: tf.Tensor3D, heads: number, keyDim: number, rate = 0, seed?: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, T] = qkv.shape;
    const [q, k, v] = tf.unstack(qkv.reshape([B, T, 3, heads, keyDim]).transpose([2, 0, 3, 1, 4]))
      .map((t) => t.reshape([B * heads, T, keyDim]));
    let w = tf.softmax(tf.matMul(q, k, false, true).mul(1 / Math.sqrt(keyDim)));
    if (rate > 0) w = tf.dropout(w, rate, undefined, seed);
    return tf.matMul(w, v).reshape([B, heads, T, keyDim]).transpose([0, 2, 1, 3]).reshape([B, T, heads * keyDim]) as tf.Tensor3D;
  });
}

/**
 * Layer normalisation over the last axis: (x - mean) / sqrt(var + epsilon) * gamma + beta.
 * With `residual`, the Transformer's residual step is fused in: LayerNorm(x + Dropout(residual)),
 * dropout `rate` applied to the residual branch (pass 0 at inference) with the mask `seed` decides.
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon = 1e-3,
  residual?: tf.Tensor, rate = 0, seed?: number): tf.Tensor {
  const dim = x.shape[x.rank - 1];
  if (gamma.shape[0] !== dim || beta.shape[0] !== dim) {
    throw new RangeError(`layerNorm: gamma and beta must be [${dim}] (got [${gamma.shape}] and [${beta.shape}])`);
  }
  if (residual && !tf.util.arraysEqual(residual.shape, x.shape)) {
    throw new RangeError(`layerNorm: residual must have the input's shape [${x.shape}] (got [${residual.shape}])`);
  }
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`layerNorm: dropout rate must be in [0, 1) (got ${rate})`);
  if (residual && rate > 0 && seed === undefined) throw new RangeError('layerNorm: a dropout rate > 0 needs the seed of its mask');
  if (activeNtpBackend()) return layerNormOnNtp(x, gamma, beta, epsilon, residual, rate, seed);
  const addon = nativeKernelsEnabled() ? tryNativeAddon() : null;
  if (!addon) return layerNormWithTfOps(x, gamma, beta, epsilon, residual, rate, seed);
  const rows = x.size / dim;
  // y, and with `keep` what the backward pass needs: the statistics and s = x + dropout(residual).
  const run = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, r: tf.Tensor | null | undefined, keep: boolean) => {
    const out = { y: kernelOutput(x.size),
      ...(keep ? { mean: kernelOutput(rows), rstd: kernelOutput(rows), ...(r ? { sum: kernelOutput(x.size) } : {}) } : {}) };
    addon.layerNormForward({ x: f32(xi, 'layerNorm'), gamma: f32(g, 'layerNorm'), beta: f32(b, 'layerNorm'), rows, dim, epsilon,
      ...(r ? { residual: f32(r, 'layerNorm'), dropout: rate, seed: seed ?? 0 } : {}), out });
    return out;
  };
  if (!recordingGradients()) return tf.tensor(run(x, gamma, beta, residual, false).y, x.shape);
  const forward = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, r: tf.Tensor | null) => {
    const out = run(xi, g, b, r, true);
    // The backward pass needs what was normalised: x, or s = x + dropout(residual).
    const normalised = out.sum ? tf.tensor(out.sum, x.shape) : xi;
    return { y: tf.tensor(out.y, x.shape), saved: [normalised, g, tf.tensor1d(out.mean!), tf.tensor1d(out.rstd!)] };
  };
  const backward = (dy: tf.Tensor, saved: tf.Tensor[], withResidual: boolean) => {
    const grads = { dx: kernelOutput(x.size), dgamma: kernelOutput(dim), dbeta: kernelOutput(dim),
      ...(withResidual ? { dresidual: kernelOutput(x.size) } : {}) };
    addon.layerNormBackward({ x: f32(saved[0], 'layerNorm'), gamma: f32(saved[1], 'layerNorm'), mean: f32(saved[2], 'layerNorm'),
      rstd: f32(saved[3], 'layerNorm'), dy: f32(dy, 'layerNorm'), rows, dim, dropout: rate, seed: seed ?? 0, out: grads });
    return grads;
  };
  if (!residual) {
    const op = tf.customGrad(((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
      const { y, saved } = forward(xi, g, b, null);
      save(saved);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, s: tf.Tensor[]) => {
          const gr = backward(dy, s, false);
          return [tf.tensor(gr.dx, x.shape), tf.tensor1d(gr.dgamma), tf.tensor1d(gr.dbeta)];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return op(x, gamma, beta);
  }
  const op = tf.customGrad(((xi: tf.Tensor, r: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const { y, saved } = forward(xi, g, b, r);
    save(saved);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, s: tf.Tensor[]) => {
        const gr = backward(dy, s, true);
        return [tf.tensor(gr.dx, x.shape), tf.tensor(gr.dresidual!, x.shape), tf.tensor1d(gr.dgamma), tf.tensor1d(gr.dbeta)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, residual, gamma, beta);
}

/** layerNorm on the `ntp` backend: NtpLayerNorm forward, NtpLayerNormGrad backward, on its device. */
function layerNormOnNtp(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number,
  residual: tf.Tensor | undefined, rate: number, seed: number | undefined): tf.Tensor {
  const attrs = { epsilon, dropout: residual ? rate : 0, seed: seed ?? 0, residual: Boolean(residual) } as unknown as tf.NamedAttrMap;
  const run = (name: string, inputs: tf.NamedTensorMap) => tf.engine().runKernel(name, inputs, attrs) as tf.Tensor[];
  if (!recordingGradients()) {
    const [y, ...statistics] = run(NTP_LAYER_NORM, residual ? { x, gamma, beta, residual } : { x, gamma, beta });
    tf.dispose(statistics);
    return y;
  }
  // The backward pass reads what was normalised: x, or s = x + dropout(residual) with a residual.
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const ts = args.slice(0, residual ? 4 : 3) as tf.Tensor[];
    const save = args[ts.length] as tf.GradSaveFunc;
    const [xi, r, g, b] = residual ? ts : [ts[0], undefined, ts[1], ts[2]];
    const [y, mean, rstd, sum] = run(NTP_LAYER_NORM, r ? { x: xi, gamma: g, beta: b, residual: r } : { x: xi, gamma: g, beta: b });
    const restore = saveForGradient(save, [sum ?? xi, g, mean, rstd]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => {
        const saved = restore(kept);
        const [dx, dgamma, dbeta, dresidual] = run(NTP_LAYER_NORM_GRAD, { x: saved[0], gamma: saved[1], mean: saved[2], rstd: saved[3], dy });
        return residual ? [dx, dresidual, dgamma, dbeta] : [dx, dgamma, dbeta];
      },
    };
  });
  return residual ? op(x, residual, gamma, beta) : op(x, gamma, beta);
}

export function layerNormWithTfOps(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon = 1e-3,
  residual?: tf.Tensor, rate = 0, seed?: number): tf.Tensor {
  return tf.tidy(() => {
    const s = residual ? tf.add(x, rate > 0 ? tf.dropout(residual, rate, undefined, seed) : residual) : x;
    const { mean, variance } = tf.moments(s, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(s, mean), tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
  });
}

/**
 * Dropout of rate `rate` with the mask `seed` decides. On the `ntp` backend the mask is computed
 * on its device from the seed (NtpDropout), and the gradient is the same kernel on dy: no random
 * numbers drawn in JS and uploaded, nothing saved for the backward pass. Elsewhere it is
 * tf.dropout (other masks, the same distribution).
 */
export function dropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout: rate must be in [0, 1) (got ${rate})`);
  if (rate === 0) return x;
  if (!activeNtpBackend() || x.dtype !== 'float32') return tf.dropout(x, rate, undefined, seed);
  const attrs = { rate, seed } as unknown as tf.NamedAttrMap;
  const run = (t: tf.Tensor) => tf.engine().runKernel(NTP_DROPOUT, { x: t }, attrs) as tf.Tensor;
  if (!recordingGradients()) return run(x);
  const op = tf.customGrad(((xi: tf.Tensor) => ({ value: run(xi), gradFunc: (dy: tf.Tensor) => run(dy) })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x);
}

const ZERO = new Float32Array(1);

/**
 * ReLU with its gradient as single element-wise passes (the addon's, threaded and branch-free, or
 * typed-array loops): tfjs's cpu path is Relu forward and Step + Multiply backward, three generic
 * element-wise kernels over the FFN's largest tensor.
 */
export function reluOp(x: tf.Tensor): tf.Tensor {
  // The loops read tensors' own buffers, which only the cpu backend has; others run tf.relu.
  if (x.dtype !== 'float32' || tf.getBackend() !== 'cpu') return tf.relu(x);
  const op = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    const v = f32(xi, 'reluOp');
    const y = kernelOutput(v.length);
    if (!nativeElementwise('max', v, ZERO, y)) for (let i = 0; i < v.length; i++) y[i] = v[i] > 0 ? v[i] : 0;
    const out = tf.tensor(y, xi.shape);
    save([out]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const g = f32(dy, 'reluOp'), yv = f32(saved[0], 'reluOp');
        const dx = kernelOutput(g.length);
        if (!nativeElementwise('reluGrad', g, yv, dx)) for (let i = 0; i < g.length; i++) dx[i] = yv[i] > 0 ? g[i] : 0;
        return tf.tensor(dx, xi.shape);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x);
}
