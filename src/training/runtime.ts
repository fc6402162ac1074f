/**
 * Applies the config's `runtime` section before any model work: the native thread pool's size
 * (runtime.threads; an NTP_THREADS set in the environment, which the pool reads itself, wins),
 * the tfjs backend, and the native kernel overrides (only meaningful on the cpu backend).
 */
import type { PipelineConfig } from '../config/index.js';
import { setNativeKernels } from '../models/index.js';
import { tryNativeAddon } from '../native/addon.js';
import { initBackend, type BackendReport } from '../runtime/backend.js';

export interface RuntimeReport extends BackendReport {
  nativeKernels: boolean;
}

export async function prepareRuntime(config: PipelineConfig): Promise<RuntimeReport> {
  if (config.runtime.threads > 0 && !('NTP_THREADS' in process.env)) tryNativeAddon()?.setThreads(config.runtime.threads);
  const backend = await initBackend(config.runtime.backend);
  const nativeKernels = backend.backend === 'cpu' && config.runtime.nativeKernels;
  setNativeKernels(nativeKernels);
  return { ...backend, nativeKernels };
}
