/**
 * The `ntp` tfjs backend (SPEC §2): tensors live in buffers of an addon device (the host, or a
 * CUDA GPU), allocated through the addon's caching allocator and addressed by integer handles.
 * Data crosses into JS only when JS reads it (`data()`, `dataSync()`): on the host device that is
 * a copy out of addon memory, exactly as a GPU's download is, so the host device tests the same
 * data flow the GPU runs.
 *
 * The data store follows tfjs-backend-cpu's reference counting: Reshape and Identity return the
 * input's DataId with its count raised (no copy), and `disposeData` frees the buffer only when the
 * last tensor sharing it is disposed.
 */
import * as tf from '@tensorflow/tfjs';

import { nativeAddon } from '../../native/addon.js';

export type NtpDevice = 'host' | 'cuda';

/** What the allocator of one device reports (bytes; `buffers` counts every device's live buffers). */
export interface DeviceMemory {
  inUse: number;
  cached: number;
  peak: number;
  deviceAllocs: number;
  reuses: number;
  buffers: number;
}

interface Handle { handle: number }

declare module '../../native/types.js' {
  interface NativeAddon {
    tensorAlloc(o: { device: NtpDevice; size: number }): number;
    tensorFree(o: Handle): void;
    tensorWrite(o: Handle & { values: Float32Array | Int32Array }): void;
    tensorRead(o: Handle & { out: Float32Array | Int32Array }): void;
    tensorMemory(o: { device: NtpDevice }): DeviceMemory;
    tensorEmptyCache(o: { device: NtpDevice }): void;
    tensorUnary(o: { op: number; dtype: number; outDtype: number; x: number; out: number; size: number; alpha?: number; beta?: number }): void;
    tensorBinary(o: { op: number; dtype: number; outDtype: number; a: number; aShape: Int32Array; b: number; bShape: Int32Array; out: number; outShape: Int32Array }): void;
    tensorSelect(o: { dtype: number; condition: number; conditionShape: Int32Array; a: number; aShape: Int32Array; b: number; bShape: Int32Array;
      out: number; outShape: Int32Array }): void;
    tensorReduce(o: { op: number; dtype: number; outDtype: number; x: number; outer: number; reduce: number; inner: number; out: number }): void;
    tensorCopy(o: { x: number; out: number; dims: Int32Array; srcOffset: number; srcStrides: Int32Array; dstOffset: number; dstStrides: Int32Array }): void;
    tensorFill(o: { dtype: number; out: number; size: number; value: number }): void;
    tensorAdamStep(o: { params: number[]; out?: number[]; grads: number[]; m: number[]; v: number[]; learningRate: number; beta1: number; beta2: number;
      epsilon: number; step: number; clipNorm: number; l2?: Float32Array }): { norm: number; penalty: number; applied: boolean };
    tensorMatMul(o: { a: number; aShape: Int32Array; b: number; bShape: Int32Array; out: number; transposeA?: boolean; transposeB?: boolean;
      bias?: number; biasShape?: Int32Array; activation?: string; alpha?: number }): void;
  }
}

interface TensorData {
  handle: number;
  dtype: tf.DataType;
  size: number;
  refCount: number;
}

/** The addon's element type code: float32 = 0, int32 and bool (0/1 in 4 bytes) = 1. */
export function dtypeCode(dtype: tf.DataType): number {
  if (dtype === 'float32') return 0;
  if (dtype === 'int32' || dtype === 'bool') return 1;
  throw new TypeError(`ntp backend: dtype ${dtype} is not supported (float32, int32 and bool are)`);
}

export class NtpBackend extends tf.KernelBackend {
  private readonly data = new WeakMap<object, TensorData>();
  private count = 0;
  private nextId = 0;
  readonly addon = nativeAddon();

  constructor(readonly device: NtpDevice) {
    super();
  }

  /** A new buffer for `size` elements (uninitialised; kernels overwrite every element). */
  private allocate(size: number, dtype: tf.DataType): TensorData {
    dtypeCode(dtype);
    return { handle: this.addon.tensorAlloc({ device: this.device, size }), dtype, size, refCount: 1 };
  }

  private upload(d: TensorData, values: tf.BackendValues): void {
    if (d.size === 0) return;
    let v: Float32Array | Int32Array;
    if (d.dtype === 'float32') v = values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
    else v = values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
    if (v.length !== d.size) throw new RangeError(`ntp backend: ${v.length} values for a tensor of ${d.size} elements`);
    this.addon.tensorWrite({ handle: d.handle, values: v });
  }

  private register(d: TensorData): tf.DataId {
    const dataId = { id: this.nextId++ };
    this.data.set(dataId, d);
    this.count++;
    return dataId;
  }

  /** The data of `dataId`; a tensor another backend holds is moved here first (tfjs's moveData). */
  private entry(dataId: tf.DataId): TensorData {
    let d = this.data.get(dataId as object);
    if (!d) {
      tf.engine().moveData(this, dataId);
      d = this.data.get(dataId as object);
    }
    if (!d) throw new Error('ntp backend: tensor data is not on this backend (disposed?)');
    return d;
  }

  override write(values: tf.BackendValues, shape: number[], dtype: tf.DataType): tf.DataId {
    const d = this.allocate(tf.util.sizeFromShape(shape), dtype);
    try {
      this.upload(d, values);
    } catch (e) {
      this.addon.tensorFree({ handle: d.handle });
      throw e;
    }
    return this.register(d);
  }

  override move(dataId: tf.DataId, values: tf.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    const d = this.allocate(tf.util.sizeFromShape(shape), dtype);
    this.upload(d, values);
    d.refCount = refCount;
    this.data.set(dataId as object, d);
    this.count++;
  }

  /** A kernel's output: a fresh buffer for `shape`, registered under a new DataId. */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo {
    return { dataId: this.register(this.allocate(tf.util.sizeFromShape(shape), dtype)), shape, dtype };
  }

  /** The tensor as `shape` sharing its buffer (Reshape, Identity): no copy, one more reference. */
  share(x: tf.TensorInfo, shape: number[], dtype: tf.DataType = x.dtype): tf.TensorInfo {
    this.incRef(x.dataId);
    return { dataId: x.dataId, shape, dtype };
  }

  handle(t: tf.TensorInfo): number {
    return this.entry(t.dataId).handle;
  }

  override refCount(dataId: tf.DataId): number {
    return this.data.get(dataId as object)?.refCount ?? 0;
  }

  override incRef(dataId: tf.DataId): void {
    this.entry(dataId).refCount++;
  }

  override numDataIds(): number {
    return this.count;
  }

  override readSync(dataId: tf.DataId): tf.BackendValues {
    const d = this.entry(dataId);
    const out = d.dtype === 'float32' ? new Float32Array(d.size) : new Int32Array(d.size);
    if (d.size > 0) this.addon.tensorRead({ handle: d.handle, out });
    return d.dtype === 'bool' ? Uint8Array.from(out) : out;
  }

  override async read(dataId: tf.DataId): Promise<tf.BackendValues> {
    return this.readSync(dataId);
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    const d = this.data.get(dataId as object);
    if (!d) return true;
    d.refCount--;
    if (!force && d.refCount > 0) return false;
    this.data.delete(dataId as object);
    this.count--;
    this.addon.tensorFree({ handle: d.handle });
    return true;
  }

  /** Frees a kernel's intermediate result. */
  disposeIntermediate(t: tf.TensorInfo): void {
    this.disposeData(t.dataId);
  }

  override memory(): { unreliable: boolean; reasons?: string[] } & Record<string, unknown> {
    const m = this.deviceMemory();
    return { unreliable: false, device: this.device, deviceBytesInUse: m.inUse, deviceBytesCached: m.cached, deviceBytesPeak: m.peak };
  }

  deviceMemory(): DeviceMemory {
    return this.addon.tensorMemory({ device: this.device });
  }

  override floatPrecision(): 16 | 32 {
    return 32;
  }

  override epsilon(): number {
    return 1e-7;
  }

  override timerAvailable(): boolean {
    return true;
  }

  override async time(f: () => void): Promise<tf.BackendTimingInfo> {
    const start = tf.util.now();
    f();
    return { kernelMs: tf.util.now() - start };
  }

  override dispose(): void {
    // tfjs disposes a backend when it is removed; the buffers of live tensors go with it.
    this.addon.tensorEmptyCache({ device: this.device });
  }
}
