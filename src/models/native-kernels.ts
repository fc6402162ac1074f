/**
 * Native kernels under tfjs's `cpu` backend (SPEC §7.4): BatchMatMul and _FusedMatMul run on the
 * addon's multithreaded GEMM instead of tfjs-backend-cpu's JS triple loop. The original kernels
 * are kept, so `setNativeKernels(false)` restores them exactly, and every case the native path
 * does not cover (non-float32 dtypes, prelu activation) is handed to them unchanged.
 *
 * `Sum` and `Mean` over a contiguous block of axes (bias gradients reduce axis 0 of [B*T, N],
 * mean-over-time axis 1 of [B, T, D]; the JS kernels transpose first) run as a GEMM with a
 * vector of ones. `SplitV` (the gradient of every concat) copies contiguous runs with typed-array
 * `set` instead of tfjs's per-element strided Slice.
 *
 * `Transpose` of float32 tensors is a strided copy over typed arrays (tfjs's JS kernel goes through
 * a TensorBuffer per element); tfjs-layers' Dense on a [B, T, D] input transposes its kernel with
 * the identity permutation, forward and in the gradient, so this runs on every Dense every step.
 *
 * `Add`, `Sub` and `Multiply` of float32 tensors of 4096+ elements run natively when each
 * operand is the full shape, a scalar, or a trailing block of it (bias-like broadcasts): these are
 * the residual adds and gradient accumulations that dominate a training step; other broadcasts
 * and small tensors keep the JS kernel (a native call costs more than it saves there).
 *
 * Semantics follow tfjs-backend-cpu: transposeA/B on the last two dims, batch dims broadcast
 * (numpy rules; tfjs's JS kernel uses `bi % batch`, which agrees whenever one side's batch is 1
 * or both are equal, the only cases tfjs ops produce), fused bias broadcast against the output,
 * then the activation.
 */
import * as tf from '@tensorflow/tfjs';

import { tryNativeAddon, nativeAddonStatus } from '../native/addon.js';
import { kernelOutput } from '../native/kernel-output.js';

export type NativeActivation = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'elu' | 'leakyrelu';

export interface MatMulOptions {
  a: Float32Array;
  aShape: Int32Array;
  b: Float32Array;
  bShape: Int32Array;
  out: Float32Array;
  transposeA?: boolean;
  transposeB?: boolean;
  bias?: Float32Array;
  biasShape?: Int32Array;
  activation?: NativeActivation;
  alpha?: number;
}

/** The addon's binary elementwise ops (native/core/nn/elementwise.h); it exports their codes as `binaryOps`. */
export type BinaryOpName = 'add' | 'sub' | 'mul' | 'max' | 'reluGrad';

declare module '../native/types.js' {
  interface NativeAddon {
    binaryOps: Record<BinaryOpName, number>;
    binaryOp(options: { op: number; a: Float32Array; b: Float32Array; out: Float32Array }): void;
    matMul(options: MatMulOptions): void;
    matMulAsync(options: MatMulOptions): Promise<void>;
  }
}

type KernelFunc = tf.KernelConfig['kernelFunc'];
// The slice of MathBackendCPU the kernels use (typed locally: tfjs-backend-cpu's types are not a
// direct dependency of this package).
interface CpuBackend {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

const NATIVE_ACTIVATIONS = new Set<string>(['linear', 'relu', 'relu6', 'sigmoid', 'elu', 'leakyrelu']);
const KERNELS = ['BatchMatMul', '_FusedMatMul', 'Sum', 'Mean', 'SplitV', 'Transpose', 'Add', 'Sub', 'Multiply'] as const;
const BINARY_OPS: Partial<Record<(typeof KERNELS)[number], BinaryOpName>> = { Add: 'add', Sub: 'sub', Multiply: 'mul' };
const MIN_NATIVE_ELEMENTS = 4096;
const originals = new Map<string, tf.KernelConfig>();
let enabled = false;

function values(backend: CpuBackend, t: tf.TensorInfo): Float32Array | null {
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : null;
}

function outShape(a: number[], b: number[], transposeA: boolean, transposeB: boolean): number[] {
  const batch = tf.broadcast_util.assertAndGetBroadcastShape(a.slice(0, -2), b.slice(0, -2));
  const m = transposeA ? a[a.length - 1] : a[a.length - 2];
  const n = transposeB ? b[b.length - 2] : b[b.length - 1];
  return [...batch, m, n];
}

/** Runs the native GEMM for one kernel call, or returns null when the original must run. */
function nativeMatMul(
  backend: CpuBackend, a: tf.TensorInfo, b: tf.TensorInfo, attrs: Record<string, unknown>,
  bias?: tf.TensorInfo, activation = 'linear',
): tf.TensorInfo | null {
  const addon = tryNativeAddon();
  if (!addon || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  if (bias && bias.dtype !== 'float32') return null;
  if (!NATIVE_ACTIVATIONS.has(activation)) return null;
  const av = values(backend, a), bv = values(backend, b);
  const biasv = bias ? values(backend, bias) : null;
  if (!av || !bv || (bias && !biasv)) return null;
  const transposeA = Boolean(attrs.transposeA), transposeB = Boolean(attrs.transposeB);
  const shape = outShape(a.shape, b.shape, transposeA, transposeB);
  const out = kernelOutput(tf.util.sizeFromShape(shape));
  addon.matMul({
    a: av, aShape: Int32Array.from(a.shape), b: bv, bShape: Int32Array.from(b.shape), out,
    transposeA, transposeB,
    ...(bias && biasv ? { bias: biasv, biasShape: Int32Array.from(bias.shape) } : {}),
    activation: activation as NativeActivation,
    alpha: typeof attrs.leakyreluAlpha === 'number' ? attrs.leakyreluAlpha : 0.2,
  });
  return backend.makeTensorInfo(shape, 'float32', out);
}

const onesCache = new Map<number, Float32Array>();
function ones(n: number): Float32Array {
  let v = onesCache.get(n);
  if (!v) {
    v = new Float32Array(n).fill(1);
    if (onesCache.size > 64) onesCache.clear();
    onesCache.set(n, v);
  }
  return v;
}

/**
 * Sum of x over `axis` when the reduced axes are one contiguous block: x viewed as [A, R, C]
 * gives out[a, c] = sum_r x[a, r, c] = ones[1, R] x X_a[R, C] (or X[A, R] x ones[R, 1] when C = 1).
 */
function nativeSum(backend: CpuBackend, x: tf.TensorInfo, attrs: Record<string, unknown>, mean = false): tf.TensorInfo | null {
  const addon = tryNativeAddon();
  if (!addon || x.dtype !== 'float32' || x.shape.length === 0) return null;
  const xv = values(backend, x);
  if (!xv) return null;
  const rank = x.shape.length;
  const raw = attrs.axis == null ? [...Array(rank).keys()] : Array.isArray(attrs.axis) ? attrs.axis as number[] : [attrs.axis as number];
  const axes = [...new Set(raw.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  if (axes.length === 0 || axes.some((a, i) => a !== axes[0] + i)) return null;
  const lo = axes[0], hi = axes[axes.length - 1] + 1;
  const A = tf.util.sizeFromShape(x.shape.slice(0, lo));
  const R = tf.util.sizeFromShape(x.shape.slice(lo, hi));
  const C = tf.util.sizeFromShape(x.shape.slice(hi));
  const shape = attrs.keepDims
    ? x.shape.map((d, i) => (i >= lo && i < hi ? 1 : d))
    : [...x.shape.slice(0, lo), ...x.shape.slice(hi)];
  const out = new Float32Array(A * C);
  if (R === 0 && mean) out.fill(NaN);  // mean of nothing, as tfjs (0 / 0)
  if (R === 0 || A * C === 0) return backend.makeTensorInfo(shape, 'float32', out);
  if (C === 1) {
    addon.matMul({ a: xv, aShape: Int32Array.of(A, R), b: ones(R), bShape: Int32Array.of(R, 1), out });
  } else {
    addon.matMul({ a: ones(R), aShape: Int32Array.of(1, 1, R), b: xv, bShape: Int32Array.of(A, R, C), out });
  }
  if (mean) for (let i = 0; i < out.length; i++) out[i] /= R;
  return backend.makeTensorInfo(shape, 'float32', out);
}

/** x split along `axis` into the given sizes: each part is `outer` contiguous runs of size*inner. */
function fastSplit(backend: CpuBackend, x: tf.TensorInfo, attrs: Record<string, unknown>): tf.TensorInfo[] | null {
  if (x.dtype !== 'float32') return null;
  const xv = values(backend, x);
  if (!xv) return null;
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits as number | number[], axis);
  const outer = tf.util.sizeFromShape(x.shape.slice(0, axis));
  const inner = tf.util.sizeFromShape(x.shape.slice(axis + 1));
  const row = x.shape[axis] * inner;
  let offset = 0;
  return sizes.map((size) => {
    const run = size * inner;
    const out = new Float32Array(outer * run);
    for (let o = 0; o < outer; o++) out.set(xv.subarray(o * row + offset, o * row + offset + run), o * run);
    offset += run;
    const shape = x.shape.slice();
    shape[axis] = size;
    return backend.makeTensorInfo(shape, 'float32', out);
  });
}

/** x permuted by `perm`: out[..., i_k, ...] = x[..., i_perm[k], ...], walking the output in order. */
function fastTranspose(backend: CpuBackend, x: tf.TensorInfo, perm: number[]): tf.TensorInfo | null {
  if (x.dtype !== 'float32') return null;
  const xv = values(backend, x);
  if (!xv) return null;
  const rank = x.shape.length;
  const shape = perm.map((p) => x.shape[p]);
  if (perm.every((p, i) => p === i)) return backend.makeTensorInfo(shape, 'float32', xv.slice());
  const inStrides = tf.util.computeStrides(x.shape);
  // Input stride of each output dim; the innermost output dim is the loop below.
  const stride = perm.map((p) => (p === rank - 1 ? 1 : inStrides[p]));
  const out = new Float32Array(xv.length);
  if (out.length === 0) return backend.makeTensorInfo(shape, 'float32', out);
  const inner = shape[rank - 1], innerStride = stride[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o += inner) {
    for (let j = 0, s = src; j < inner; j++, s += innerStride) out[o + j] = xv[s];
    // Odometer over the outer output dims, keeping `src` at the row's first input element.
    for (let d = rank - 2; d >= 0; d--) {
      src += stride[d];
      if (++idx[d] < shape[d]) break;
      src -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
  return backend.makeTensorInfo(shape, 'float32', out);
}

/** True when `shape` broadcasts to `out` as the whole of it, a scalar, or a trailing block of it. */
function trailingBlockOf(shape: number[], out: number[]): boolean {
  const size = tf.util.sizeFromShape(shape);
  if (size === 1 || size === tf.util.sizeFromShape(out)) return true;
  let i = 0;
  while (i < shape.length && shape[i] === 1) i++;
  const tail = shape.slice(i);
  return tail.length <= out.length && tail.every((d, k) => d === out[out.length - tail.length + k]);
}

function nativeBinary(backend: CpuBackend, op: BinaryOpName, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo | null {
  const addon = tryNativeAddon();
  if (!addon || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const n = tf.util.sizeFromShape(shape);
  if (n < MIN_NATIVE_ELEMENTS || !trailingBlockOf(a.shape, shape) || !trailingBlockOf(b.shape, shape)) return null;
  const av = values(backend, a), bv = values(backend, b);
  if (!av || !bv) return null;
  const out = kernelOutput(n);
  addon.binaryOp({ op: addon.binaryOps[op], a: av, b: bv, out });
  return backend.makeTensorInfo(shape, 'float32', out);
}

/**
 * out = a op b (b the same length as a, or one element) on the addon when the native kernels are
 * on and the arrays are large enough to gain from it; returns false, having done nothing, otherwise.
 */
export function nativeElementwise(op: BinaryOpName, a: Float32Array, b: Float32Array, out: Float32Array): boolean {
  const addon = nativeKernelsEnabled() ? tryNativeAddon() : null;
  if (!addon || a.length < MIN_NATIVE_ELEMENTS) return false;
  addon.binaryOp({ op: addon.binaryOps[op], a, b, out });
  return true;
}

function wrap(name: (typeof KERNELS)[number], original: tf.KernelConfig): KernelFunc {
  return (args) => {
    const backend = args.backend as unknown as CpuBackend;
    const attrs = (args.attrs ?? {}) as Record<string, unknown>;
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    if (name === 'SplitV') {
      const x = (args.inputs as Record<string, tf.TensorInfo | undefined>).x;
      return (x ? fastSplit(backend, x, attrs) : null) ?? original.kernelFunc(args);
    }
    if (name === 'Transpose') {
      const x = (args.inputs as Record<string, tf.TensorInfo | undefined>).x;
      return (x ? fastTranspose(backend, x, attrs.perm as number[]) : null) ?? original.kernelFunc(args);
    }
    let res: tf.TensorInfo | null = null;
    const binary = BINARY_OPS[name];
    if (binary !== undefined) {
      res = a && b ? nativeBinary(backend, binary, a, b) : null;
    } else if (name === 'Sum' || name === 'Mean') {
      const x = (args.inputs as Record<string, tf.TensorInfo | undefined>).x;
      res = x ? nativeSum(backend, x, attrs, name === 'Mean') : null;
    } else if (a && b) {
      res = name === 'BatchMatMul'
        ? nativeMatMul(backend, a, b, attrs)
        : preluActivationWeights ? null
          : nativeMatMul(backend, a, b, attrs, bias ?? undefined, String(attrs.activation ?? 'linear'));
    }
    return res ?? original.kernelFunc(args);
  };
}

/**
 * Turns the native kernels on or off for the `cpu` backend; returns whether they are on.
 * Turning them on without the addon throws an Error saying why the addon is unavailable.
 */
export function setNativeKernels(on: boolean): boolean {
  if (on === enabled) return enabled;
  if (on) {
    if (!tryNativeAddon()) throw new Error(`setNativeKernels(true): ${nativeAddonStatus().error}`);
    for (const name of KERNELS) {
      const original = tf.getKernel(name, 'cpu');
      if (!original) throw new Error(`setNativeKernels(true): tfjs has no cpu kernel ${name} to replace`);
      originals.set(name, original);
      tf.unregisterKernel(name, 'cpu');
      tf.registerKernel({ ...original, kernelFunc: wrap(name, original) });
    }
  } else {
    for (const name of KERNELS) {
      const original = originals.get(name);
      if (!original) continue;
      tf.unregisterKernel(name, 'cpu');
      tf.registerKernel(original);
    }
    originals.clear();
  }
  enabled = on;
  return enabled;
}

/**
 * Whether the native kernels are on and tfjs runs on the cpu backend they were registered under:
 * on any other backend (the `ntp` device backend) the model's fused ops take their tfjs-op form,
 * which dispatches to that backend's own kernels.
 */
export function nativeKernelsEnabled(): boolean {
  return enabled && tf.getBackend() === 'cpu';
}
