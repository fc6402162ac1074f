/**
 * The addon's JS surface. Bindings validate every argument themselves (TypeError/RangeError
 * naming the field); these types document the contract. Each binding `x` that can run long
 * also exists as `xAsync`, which runs off the JS thread and returns a Promise.
 */
import type { Candles } from '../data/candles.js';

export type NativeDevice = 'auto' | 'cpu' | 'cuda';

export interface DeviceInfo {
  threads: number;
  cpuSimd: string;
  compiledSimd: string;
  cudaCompiled: boolean;
  cuda: boolean;
  cudaDeviceCount: number;
  cudaDevice: string | null;
  cudaError: string | null;
}

export interface BuildWindowsOptions {
  candles: Candles;
  lookback: number;
  features: Int32Array;
  center?: Float64Array;
  scale?: Float64Array;
  horizons: Int32Array;
  ends: Int32Array;
  out: { features: Float32Array; close?: Float32Array; targets?: Float32Array };
  device?: NativeDevice;
}

export interface ComputeBarFeaturesOptions {
  candles: Candles;
  features: Int32Array;
  out: Float64Array;
}

export interface NativeAddon {
  deviceInfo(): DeviceInfo;
  buildWindows(options: BuildWindowsOptions): 'cpu' | 'cuda';
  buildWindowsAsync(options: BuildWindowsOptions): Promise<'cpu' | 'cuda'>;
  computeBarFeatures(options: ComputeBarFeaturesOptions): void;
  computeBarFeaturesAsync(options: ComputeBarFeaturesOptions): Promise<void>;
  // Further kernels add their signatures here as their bindings land.
  [name: string]: unknown;
}
