/**
 * Fused windowing (SPEC §4) over the native kernel: columnar candles -> scaled feature windows
 * [N, T, F], the close channel normalised by each window's last close [N, T] and log-return
 * targets [N, H], written into typed arrays allocated here (never per-window JS arrays).
 *
 * Window i ends at bar ends[i] and covers bars [e-T+1, e]; e >= T because the first row's
 * differenced features read bar e-T. By default every such end is built. A series with T or
 * fewer rows (one-row series included) gives zero windows, not an error. Targets past the end
 * of the data are NaN: those windows are kept for inference and excluded from training.
 */
import { assertCandles, type Candles } from './candles.js';
import { DEFAULT_FEATURES, resolveFeatures } from './features.js';
import { rangeEnds } from './splits.js';
import { nativeAddon } from '../native/addon.js';
import type { NativeDevice } from '../native/types.js';

export const DEFAULT_LOOKBACK = 64;
export const DEFAULT_HORIZONS: readonly number[] = [1, 4, 12];

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

interface ComputeBarFeaturesOptions {
  candles: Candles;
  features: Int32Array;
  out: Float64Array;
}

declare module '../native/types.js' {
  interface NativeAddon {
    buildWindows(options: BuildWindowsOptions): 'cpu' | 'cuda';
    buildWindowsAsync(options: BuildWindowsOptions): Promise<'cpu' | 'cuda'>;
    computeBarFeatures(options: ComputeBarFeaturesOptions): void;
    computeBarFeaturesAsync(options: ComputeBarFeaturesOptions): Promise<void>;
  }
}

/** Per-feature affine scaling applied inside the kernel: (x - center) / scale. */
export interface FeatureScaling {
  features: readonly string[];
  center: Float64Array;
  scale: Float64Array;
}

export interface WindowOptions {
  lookback?: number;
  features?: readonly string[];
  horizons?: readonly number[];
  /** Must list the same features in the same order. */
  scaler?: FeatureScaling;
  /** Window end bars; default every end in [lookback, length). */
  ends?: Int32Array | readonly number[];
  device?: NativeDevice;
  /** Caller-owned outputs of exactly [N*T*F], [N*T], [N*H] floats (views are fine); default new arrays. */
  out?: { features: Float32Array; close: Float32Array; targets: Float32Array };
}

export interface Windows {
  features: Float32Array;
  close: Float32Array;
  targets: Float32Array;
  ends: Int32Array;
  n: number;
  T: number;
  F: number;
  H: number;
  /** Windows whose every horizon lies inside the data (their targets are all finite). */
  completeTargets: number;
  /** Which native implementation ran. */
  device: 'cpu' | 'cuda';
}

interface Prepared {
  options: BuildWindowsOptions;
  result: Omit<Windows, 'device'>;
}

function positiveInt(v: unknown, field: string): number {
  if (typeof v !== 'number') throw new TypeError(`buildWindows: ${field} must be a number (got ${typeof v})`);
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`buildWindows: ${field} must be an integer >= 1 (got ${v})`);
  return v;
}

function toInt32(v: unknown, field: string): Int32Array {
  if (v instanceof Int32Array) return v;
  if (!Array.isArray(v)) throw new TypeError(`buildWindows: ${field} must be an Int32Array or an array of integers (got ${typeof v})`);
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isInteger(x)) throw new TypeError(`buildWindows: ${field}[${i}] must be an integer (got ${String(x)})`);
    // Int32Array.from would silently wrap larger values into the valid range.
    if (x < -(2 ** 31) || x >= 2 ** 31) throw new RangeError(`buildWindows: ${field}[${i}] = ${x} is outside the 32-bit integer range`);
  });
  return Int32Array.from(v as number[]);
}

function allocate(sizes: { features: number; close: number; targets: number }): Required<WindowOptions>['out'] {
  try {
    return { features: new Float32Array(sizes.features), close: new Float32Array(sizes.close), targets: new Float32Array(sizes.targets) };
  } catch (e) {
    throw new RangeError(`buildWindows: ${sizes.features} output floats (N x T x F) cannot be allocated (${(e as Error).message}); ` +
      'build fewer windows at a time through `ends` (the Dataset iterator does this per batch)');
  }
}

function prepare(candles: Candles, opts: WindowOptions): Prepared {
  if (opts === null || typeof opts !== 'object') throw new TypeError('buildWindows: options must be an object');
  assertCandles(candles, 'buildWindows: candles');
  const T = positiveInt(opts.lookback ?? DEFAULT_LOOKBACK, 'lookback');
  const featureNames = opts.features ?? DEFAULT_FEATURES;
  const featureIds = resolveFeatures(featureNames, 'buildWindows: features');
  const horizons = toInt32(opts.horizons ?? DEFAULT_HORIZONS, 'horizons');
  if (horizons.length === 0) throw new RangeError('buildWindows: horizons must list at least one horizon');
  horizons.forEach((h, i) => positiveInt(h, `horizons[${i}]`));
  const ends = opts.ends === undefined
    ? rangeEnds({ start: T, end: Math.max(T, candles.close.length) })
    : toInt32(opts.ends, 'ends');
  const F = featureIds.length, H = horizons.length, n = ends.length;
  const scaler = opts.scaler;
  if (scaler !== undefined) {
    if (scaler === null || typeof scaler !== 'object' || !Array.isArray(scaler.features) ||
      !(scaler.center instanceof Float64Array) || !(scaler.scale instanceof Float64Array)) {
      throw new TypeError('buildWindows: scaler must be {features: string[], center: Float64Array, scale: Float64Array}');
    }
    if (scaler.features.join(',') !== featureNames.join(',')) {
      throw new RangeError(`buildWindows: scaler was fit on features [${scaler.features.join(', ')}], not [${featureNames.join(', ')}]`);
    }
  }
  const maxH = horizons.reduce((a, b) => Math.max(a, b), 0);
  let completeTargets = 0;
  for (let i = 0; i < n; i++) if (ends[i] + maxH < candles.close.length) completeTargets++;
  const sizes = { features: n * T * F, close: n * T, targets: n * H };
  const out = opts.out ?? allocate(sizes);
  if (typeof out !== 'object' || out === null) throw new TypeError('buildWindows: out must be an object of Float32Arrays');
  for (const key of ['features', 'close', 'targets'] as const) {
    if (!(out[key] instanceof Float32Array)) throw new TypeError(`buildWindows: out.${key} must be a Float32Array`);
    if (out[key].length !== sizes[key]) throw new RangeError(`buildWindows: out.${key} has length ${out[key].length}, expected ${sizes[key]}`);
  }
  const result = { ...out, ends, n, T, F, H, completeTargets };
  const options: BuildWindowsOptions = {
    candles, lookback: T, features: featureIds, horizons, ends,
    center: scaler?.center, scale: scaler?.scale,
    out,
    device: opts.device,
  };
  return { options, result };
}

/** Builds windows synchronously (blocks the JS thread for the kernel's duration). */
export function buildWindows(candles: Candles, opts: WindowOptions = {}): Windows {
  const { options, result } = prepare(candles, opts);
  const device = nativeAddon().buildWindows(options);
  return { ...result, device };
}

/** Same as buildWindows, with the kernel running off the JS thread. */
export async function buildWindowsAsync(candles: Candles, opts: WindowOptions = {}): Promise<Windows> {
  const { options, result } = prepare(candles, opts);
  const device = await nativeAddon().buildWindowsAsync(options);
  return { ...result, device };
}

/**
 * Unscaled base features of every bar as float64 [length, F] (row-major), for fitting scalers.
 * Row 0 has no previous bar, so its log_return and log_volume_diff are NaN.
 */
export function computeBarFeatures(candles: Candles, features: readonly string[] = DEFAULT_FEATURES): Float64Array {
  assertCandles(candles, 'computeBarFeatures: candles');
  const ids = resolveFeatures(features, 'computeBarFeatures: features');
  const out = new Float64Array(candles.close.length * ids.length);
  nativeAddon().computeBarFeatures({ candles, features: ids, out });
  return out;
}
