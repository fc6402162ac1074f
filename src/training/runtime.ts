/**
 * Applies the config's `runtime` section before any model work: the native thread pool's size
 * (runtime.threads; an NTP_THREADS set in the environment, which the pool reads itself, wins),
 * the device and tfjs backend (runtime/device.ts), and the native kernel overrides (only
 * meaningful on the cpu backend).
 */
import type { PipelineConfig } from '../config/index.js';
import { setNativeKernels } from '../models/index.js';
import { tryNativeAddon } from '../native/addon.js';
import type { BackendReport } from '../runtime/backend.js';
import { initDevice, type DeviceReport } from '../runtime/device.js';

export interface RuntimeReport extends BackendReport {
  nativeKernels: boolean;
  device: DeviceReport;
}

export async function prepareRuntime(config: PipelineConfig): Promise<RuntimeReport> {
  if (config.runtime.threads > 0 && !('NTP_THREADS' in process.env)) tryNativeAddon()?.setThreads(config.runtime.threads);
  const device = await initDevice(config.runtime);
  const nativeKernels = device.backend.backend === 'cpu' && config.runtime.nativeKernels;
  setNativeKernels(nativeKernels);
  return { ...device.backend, nativeKernels, device };
}
