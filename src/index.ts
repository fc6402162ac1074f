/**
 * neural-trading-pipeline as a library: every domain's public API under one import, e.g.
 *   import { loadCsv, Dataset, buildModel, train, Predictor, SignalGenerator, runReferenceBacktest } from 'neural-trading-pipeline';
 * Domains are also importable one by one through their index modules.
 */
export * from './config/index.js';
export * from './registry/index.js';
export * from './data/index.js';
export * from './indicators/index.js';
export * from './models/index.js';
export * from './losses/index.js';
export * from './metrics/index.js';
export * from './training/index.js';
export * from './inference/index.js';
export * from './signals/index.js';
export * from './backtest/index.js';
export * from './report/index.js';
export * from './pipeline/index.js';
export * from './search/index.js';
export * from './distributed/index.js';
// Names two domains both export: the model factory's ModelConfig (the config's `model` section,
// PipelineConfig['model'], plus the data's shape) and the heads list, which is the same in both.
export { type ModelConfig, HEADS } from './models/index.js';
export { initBackend, backendReport, BACKEND_CHOICES, type BackendChoice, type BackendReport } from './runtime/backend.js';
export { initDevice, DEVICE_CHOICES, type DeviceChoice, type DeviceReport } from './runtime/device.js';
export { useNtpBackend, registerNtpBackend, activeNtpBackend, NTP_KERNELS, NtpBackend, type NtpDevice, type DeviceMemory } from './runtime/ntp-backend/index.js';
export { nativeAddon, tryNativeAddon, nativeAddonStatus } from './native/addon.js';
export type { DeviceInfo, NativeAddon, NativeDevice } from './native/types.js';
