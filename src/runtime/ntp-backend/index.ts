/**
 * Registers the `ntp` tfjs backend (backend.ts) and its kernels. The kernels are the same for
 * every device; the device (host or CUDA) is fixed when the backend is first created, once per
 * process, like tfjs's own backends.
 *
 * A kernel this backend does not have fails with tfjs's "Kernel 'X' not registered for backend
 * 'ntp'", naming it: nothing is forwarded to another backend behind the caller's back.
 */
import * as tf from '@tensorflow/tfjs';

import { nativeAddon } from '../../native/addon.js';
import { NtpBackend, type DeviceMemory, type NtpDevice } from './backend.js';
import { attentionKernels, NTP_ATTENTION, NTP_ATTENTION_GRAD } from './kernels/attention.js';
import { elementwiseKernels, NTP_DROPOUT } from './kernels/elementwise.js';
import type { NtpKernel } from './kernels/kernel.js';
import { indicatorKernels, NTP_INDICATOR, NTP_INDICATOR_GRAD, NTP_PERIODS, NTP_PERIODS_GRAD } from './kernels/indicators.js';
import { layerNormKernels, NTP_LAYER_NORM, NTP_LAYER_NORM_GRAD } from './kernels/layer-norm.js';
import { lossKernels, NTP_COMPOSITE_LOSS, type CompositeLossSettings } from './kernels/loss.js';
import { lstmKernels, NTP_LSTM, NTP_LSTM_GRAD } from './kernels/lstm.js';
import { matMulKernels, NTP_LINEAR, NTP_LINEAR_GRAD } from './kernels/matmul.js';
import { reduceKernels } from './kernels/reduce.js';
import { shapeKernels } from './kernels/shape.js';

export { NtpBackend, NTP_ATTENTION, NTP_ATTENTION_GRAD, NTP_COMPOSITE_LOSS, NTP_DROPOUT, NTP_INDICATOR, NTP_INDICATOR_GRAD, NTP_LAYER_NORM, NTP_LAYER_NORM_GRAD, NTP_LINEAR, NTP_LINEAR_GRAD, NTP_LSTM, NTP_LSTM_GRAD, NTP_PERIODS, NTP_PERIODS_GRAD, type CompositeLossSettings, type DeviceMemory, type NtpDevice };
export const NTP_BACKEND = 'ntp';

const KERNELS: NtpKernel[] = [...elementwiseKernels, ...reduceKernels, ...shapeKernels, ...matMulKernels, ...lstmKernels, ...indicatorKernels,
  ...layerNormKernels, ...attentionKernels, ...lossKernels];
/** Every tfjs kernel the `ntp` backend implements. */
export const NTP_KERNELS: readonly string[] = KERNELS.map(([name]) => name);

let device: NtpDevice | null = null;

/** Why `cuda` cannot be used here, or null when it can. */
export function cudaUnavailableReason(): string | null {
  let info;
  try {
    info = nativeAddon().deviceInfo();
  } catch (e) {
    return (e as Error).message;
  }
  if (!info.cudaCompiled) return 'the native addon was built without CUDA (no nvcc when it was built)';
  return info.cuda ? null : (info.cudaError ?? 'no CUDA device');
}

/**
 * Registers the `ntp` backend on `dev` (once per process; another device afterwards is an error,
 * as tensors of both would mix). `cuda` without a usable GPU throws with the reason.
 */
export function registerNtpBackend(dev: NtpDevice): void {
  if (device !== null) {
    if (device !== dev) throw new Error(`the ntp backend already runs on the ${device} device; cannot switch to ${dev} in the same process`);
    return;
  }
  if (dev === 'cuda') {
    const reason = cudaUnavailableReason();
    if (reason) throw new Error(`no usable CUDA device: ${reason}`);
  } else if (dev !== 'host') {
    throw new RangeError(`ntp backend device must be host or cuda (got ${JSON.stringify(dev)})`);
  }
  nativeAddon();  // a missing addon fails here, naming why, rather than inside tfjs's backend factory
  tf.registerBackend(NTP_BACKEND, () => new NtpBackend(dev), -1);  // never picked unless asked for
  for (const [kernelName, fn] of KERNELS) {
    tf.registerKernel({ kernelName, backendName: NTP_BACKEND, kernelFunc: fn as unknown as tf.KernelFunc });
  }
  device = dev;
}

/** Registers the backend on `dev` and makes it the active tfjs backend. */
export async function useNtpBackend(dev: NtpDevice): Promise<NtpBackend> {
  registerNtpBackend(dev);
  if (!(await tf.setBackend(NTP_BACKEND))) throw new Error(`tfjs could not initialise the ntp backend on the ${dev} device`);
  return tf.backend() as NtpBackend;
}

/** The active ntp backend, or null when tfjs runs on another backend. */
export function activeNtpBackend(): NtpBackend | null {
  return tf.getBackend() === NTP_BACKEND ? (tf.backend() as NtpBackend) : null;
}
