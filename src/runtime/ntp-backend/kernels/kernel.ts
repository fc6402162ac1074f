/** The shape of one `ntp` kernel: its tfjs kernel name and function (registered by ../index.ts). */
import type * as tf from '@tensorflow/tfjs';

import type { NtpBackend } from '../backend.js';

export interface NtpKernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  backend: NtpBackend;
  attrs: Record<string, unknown>;
}

export type NtpKernel = [name: string, fn: (args: NtpKernelArgs) => tf.TensorInfo | tf.TensorInfo[]];
