/** The shape of one `ntp` kernel: its tfjs kernel name and function (registered by ../index.ts). */
import type * as tf from '@tensorflow/tfjs';

import type { NtpBackend } from '../backend.js';

export interface NtpKernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  backend: NtpBackend;
  attrs: Record<string, unknown>;
}

export type NtpKernel = [name: string, fn: (args: NtpKernelArgs) => tf.TensorInfo | tf.TensorInfo[]];

/** Checks that every input of a float32-only kernel (the backend's fused ops) is float32. */
export function float32Inputs(kernelName: string, inputs: Record<string, tf.TensorInfo>): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (t.dtype !== 'float32') throw new TypeError(`ntp backend: ${kernelName} needs float32 tensors (${name} is ${t.dtype})`);
  }
}
