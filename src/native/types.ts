/**
 * The addon's JS surface. Bindings validate every argument themselves (TypeError/RangeError
 * naming the field); these types document the contract. Each binding `x` that can run long
 * also exists as `xAsync`, which runs off the JS thread and returns a Promise.
 */
export type NativeDevice = 'auto' | 'cpu' | 'cuda';

export interface DeviceInfo {
  threads: number;
  cpuSimd: string;
  compiledSimd: string;
  cudaCompiled: boolean;
  cuda: boolean;
  cudaDeviceCount: number;
  cudaDevice: string | null;
  /** The device's global memory in bytes. */
  cudaMemory: number | null;
  cudaError: string | null;
}

export interface NativeAddon {
  deviceInfo(): DeviceInfo;
  /** Sizes the native thread pool for the kernels that follow (0 = NTP_THREADS or all cores); returns the size. */
  setThreads(threads: number): number;
  // Each domain's wrapper adds its kernels' signatures (module augmentation), e.g. data/windowing.ts.
  [name: string]: unknown;
}
