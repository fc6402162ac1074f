/**
 * Multi-head self-attention as two kernels of the `ntp` backend (native/binding/
 * tensor_attention_binding.cc: core/nn/attention on the host, cuda/attention.cu on a GPU).
 * `NtpAttention` maps the packed projection qkv [B, T, 3*H*Kd] to the merged context
 * [B, T, H*Kd] and the softmax weights [B, H, T, T] its gradient reads (dropout `rate` on the
 * weights, mask from `seed`); `NtpAttentionGrad` is the gradient, dqkv. They replace the
 * transposes, products, softmax and dropout of the tfjs-op form and their gradients:
 * models/fused-ops.ts dispatches to them whenever ntp is the active backend.
 */
import type * as tf from '@tensorflow/tfjs';

import { float32Inputs, type NtpKernel } from './kernel.js';

export const NTP_ATTENTION = 'NtpAttention';
export const NTP_ATTENTION_GRAD = 'NtpAttentionGrad';

interface AttentionShape { batch: number; steps: number; heads: number; keyDim: number; dropout: number; seed: number }

declare module '../../../native/types.js' {
  interface NativeAddon {
    tensorAttentionForward(o: AttentionShape & { qkv: number; probs: number; out: number }): void;
    tensorAttentionBackward(o: AttentionShape & { qkv: number; probs: number; dout: number; dqkv: number }): void;
  }
}

function attentionShape(name: string, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>): AttentionShape {
  float32Inputs(name, inputs);
  const [batch, steps] = inputs.qkv.shape;
  return { batch, steps, heads: Number(attrs.heads), keyDim: Number(attrs.keyDim), dropout: Number(attrs.dropout ?? 0), seed: Number(attrs.seed ?? 0) };
}

export const attentionKernels: NtpKernel[] = [
  [NTP_ATTENTION, ({ inputs, backend: b, attrs }) => {
    const s = attentionShape(NTP_ATTENTION, inputs, attrs);
    const out = b.makeOutput([s.batch, s.steps, s.heads * s.keyDim], 'float32');
    const probs = b.makeOutput([s.batch, s.heads, s.steps, s.steps], 'float32');
    b.addon.tensorAttentionForward({ ...s, qkv: b.handle(inputs.qkv), probs: b.handle(probs), out: b.handle(out) });
    return [out, probs];
  }],
  [NTP_ATTENTION_GRAD, ({ inputs, backend: b, attrs }) => {
    const s = attentionShape(NTP_ATTENTION_GRAD, inputs, attrs);
    const dqkv = b.makeOutput(inputs.qkv.shape, 'float32');
    b.addon.tensorAttentionBackward({ ...s, qkv: b.handle(inputs.qkv), probs: b.handle(inputs.probs), dout: b.handle(inputs.dy), dqkv: b.handle(dqkv) });
    return dqkv;
  }],
];
