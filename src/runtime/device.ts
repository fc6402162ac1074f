/**
 * Chooses where the model runs (`runtime.device`, `--device`; SPEC §2):
 *  - `cpu`: tfjs on the CPU, as chosen by `runtime.backend` (by default tfjs's cpu backend with the
 *    addon's native kernels over its hot kernels: the fastest CPU path);
 *  - `cuda`: the project's `ntp` backend with its tensors on the GPU; without a usable GPU this is
 *    an error naming the reason, never a silent CPU run;
 *  - `auto`: `cuda` when a GPU answers, else `cpu`, and the report says which ran and why.
 * The `ntp` backend's host device (the same backend with its buffers in host memory) is not a
 * config value: it exists to test the backend where no GPU is (`useNtpBackend('host')`).
 */
import type { RuntimeConfig } from '../config/index.js';
import { initBackend, type BackendReport } from './backend.js';
import { cudaUnavailableReason, useNtpBackend } from './ntp-backend/index.js';

export type DeviceChoice = 'auto' | 'cpu' | 'cuda';
export const DEVICE_CHOICES: readonly DeviceChoice[] = ['auto', 'cpu', 'cuda'];

export interface DeviceReport {
  requested: DeviceChoice;
  /** Where the model runs. */
  device: 'cpu' | 'cuda';
  /** One line for logs: what runs and why. */
  summary: string;
  /** The tfjs backend report (name 'ntp' on the GPU). */
  backend: BackendReport;
}

let current: DeviceReport | undefined;

/** Loads the backend for `runtime.device` once per process; later calls return the same report. */
export async function initDevice(runtime: Pick<RuntimeConfig, 'device' | 'backend'>): Promise<DeviceReport> {
  const requested = runtime.device;
  if (!DEVICE_CHOICES.includes(requested)) {
    throw new RangeError(`runtime.device must be one of ${DEVICE_CHOICES.join(', ')} (got ${JSON.stringify(requested)})`);
  }
  if (current) {
    if (requested !== 'auto' && requested !== current.device) {
      throw new Error(`the model already runs on ${current.device} in this process; cannot switch to runtime.device=${requested}`);
    }
    return current;
  }
  const reason = requested === 'cpu' ? 'runtime.device=cpu' : cudaUnavailableReason();
  if (requested === 'cuda' && reason) throw new Error(`runtime.device is cuda but no CUDA device is usable: ${reason}`);
  if (requested === 'cuda' && runtime.backend !== 'auto') {
    throw new Error(`runtime.device=cuda runs the ntp backend; runtime.backend=${runtime.backend} applies to runtime.device=cpu only (set it to auto)`);
  }
  // An explicit runtime.backend under `auto` is a request for that tfjs backend, on the CPU.
  if (reason === null && runtime.backend === 'auto') {
    const ntp = await useNtpBackend('cuda');
    const name = ntp.addon.deviceInfo().cudaDevice ?? 'CUDA device';
    current = { requested, device: 'cuda', summary: `device: cuda (${name}, ntp backend)${requested === 'auto' ? ', chosen by runtime.device=auto' : ''}`,
      backend: { backend: 'ntp', package: '@tensorflow/tfjs', skipped: [] } };
    return current;
  }
  const backend = await initBackend(runtime.backend);
  const why = requested === 'auto' ? (reason ? `auto: no usable CUDA device (${reason})` : `auto: runtime.backend=${runtime.backend}`) : 'runtime.device=cpu';
  current = { requested, device: 'cpu', summary: `device: cpu (${backend.backend} backend; ${why})`, backend };
  return current;
}
