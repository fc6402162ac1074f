/**
 * Shape and data-movement kernels of the `ntp` backend, all on the addon's strided copy and fill:
 * Reshape and Identity share the input's buffer (no copy); Transpose, Slice, StridedSlice, Concat,
 * SplitV, Pack, Unpack, PadV2, Tile, Reverse and GatherV2 copy with strides; Fill, ZerosLike,
 * OnesLike and Range fill.
 */
import * as tf from '@tensorflow/tfjs';

import { concat, copyInto, fill, slice, stridesOf, transpose } from '../device-ops.js';
import type { NtpKernel } from './kernel.js';

export const shapeKernels: NtpKernel[] = [
  ['Reshape', ({ inputs, backend, attrs }) => {
    const x = inputs.x;
    const size = tf.util.sizeFromShape(x.shape);
    const shape = tf.util.inferFromImplicitShape(attrs.shape as number[], size);
    if (tf.util.sizeFromShape(shape) !== size) throw new RangeError(`Reshape: [${x.shape}] has ${size} elements, [${shape}] does not`);
    return backend.share(x, shape);
  }],
  ['Identity', ({ inputs, backend }) => backend.share(inputs.x, inputs.x.shape)],
  ['Transpose', ({ inputs, backend, attrs }) => transpose(backend, inputs.x, attrs.perm as number[])],
  ['Slice', ({ inputs, backend, attrs }) => {
    const [begin, size] = tf.slice_util.parseSliceParams(inputs.x, attrs.begin as number[], attrs.size as number[]);
    tf.slice_util.assertParamsValid(inputs.x, begin, size);
    return slice(backend, inputs.x, begin, size);
  }],
  ['StridedSlice', ({ inputs, backend, attrs }) => {
    const x = inputs.x;
    const a = attrs as Record<string, number & number[]>;
    const info = tf.slice_util.sliceInfo(x.shape, a.begin, a.end, a.strides, a.beginMask, a.endMask, a.ellipsisMask, a.newAxisMask, a.shrinkAxisMask);
    const out = backend.makeOutput(info.finalShape, x.dtype);
    const st = stridesOf(x.shape);
    // Elements taken along each input axis (negative strides walk the input backwards).
    const dims = info.begin.map((b: number, i: number) => Math.max(0, Math.ceil((info.end[i] - b) / info.strides[i])));
    const offset = info.begin.reduce((o: number, v: number, i: number) => o + v * st[i], 0);
    copyInto(backend, x, out, dims, offset, info.strides.map((s: number, i: number) => s * st[i]), 0, stridesOf(dims));
    return out;
  }],
  ['Concat', ({ inputs, backend, attrs }) => {
    const xs = Object.values(inputs);
    const axis = tf.util.parseAxisParam(attrs.axis as number, xs[0].shape)[0];
    const shape = tf.backend_util.computeOutShape(xs.map((t) => t.shape), axis);
    const parts = xs.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
    if (parts.length === 1) return backend.share(parts[0], shape);
    return concat(backend, parts, axis, shape, xs[0].dtype);
  }],
  ['Pack', ({ inputs, backend, attrs }) => {
    const xs = Object.values(inputs);
    const rank = xs[0].shape.length;
    const axis = (attrs.axis as number) < 0 ? (attrs.axis as number) + rank + 1 : (attrs.axis as number);
    const unit = [...xs[0].shape.slice(0, axis), 1, ...xs[0].shape.slice(axis)];
    const shape = [...xs[0].shape.slice(0, axis), xs.length, ...xs[0].shape.slice(axis)];
    const views = xs.map((t) => backend.share(t, unit));
    try {
      return concat(backend, views, axis, shape, xs[0].dtype);
    } finally {
      views.forEach((v) => backend.disposeIntermediate(v));
    }
  }],
  ['Unpack', ({ inputs, backend, attrs }) => {
    const x = inputs.value;
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
    const shape = [...x.shape.slice(0, axis), ...x.shape.slice(axis + 1)];
    const begin = x.shape.map(() => 0), size = x.shape.slice();
    size[axis] = 1;
    return Array.from({ length: x.shape[axis] }, (_, i) => {
      begin[axis] = i;
      const part = slice(backend, x, begin, size);
      return { ...part, shape };
    });
  }],
  ['SplitV', ({ inputs, backend, attrs }) => {
    const x = inputs.x;
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x, attrs.numOrSizeSplits as number | number[], axis);
    const begin = x.shape.map(() => 0);
    return sizes.map((n) => {
      const size = x.shape.slice();
      size[axis] = n;
      const part = slice(backend, x, begin.slice(), size);
      begin[axis] += n;
      return part;
    });
  }],
  ['PadV2', ({ inputs, backend, attrs }) => {
    const x = inputs.x;
    const pads = attrs.paddings as [number, number][];
    const shape = x.shape.map((d, i) => pads[i][0] + d + pads[i][1]);
    const out = fill(backend, shape, x.dtype, Number(attrs.constantValue ?? 0));
    const ost = stridesOf(shape);
    copyInto(backend, x, out, x.shape, 0, stridesOf(x.shape), pads.reduce((o, p, i) => o + p[0] * ost[i], 0), ost);
    return out;
  }],
  ['Tile', ({ inputs, backend, attrs }) => {
    const x = inputs.x;
    const reps = attrs.reps as number[];
    const shape = x.shape.map((d, i) => d * reps[i]);
    const out = backend.makeOutput(shape, x.dtype);
    // out viewed as [r0, d0, r1, d1, ...]: the input repeats along each r (source stride 0).
    const xs = stridesOf(x.shape), os = stridesOf(shape);
    copyInto(backend, x, out, x.shape.flatMap((d, i) => [reps[i], d]), 0, xs.flatMap((s) => [0, s]),
      0, x.shape.flatMap((d, i) => [d * os[i], os[i]]));
    return out;
  }],
  ['Reverse', ({ inputs, backend, attrs }) => {
    const x = inputs.x;
    const dims = new Set(tf.util.parseAxisParam(attrs.dims as number | number[], x.shape));
    const st = stridesOf(x.shape);
    const out = backend.makeOutput(x.shape, x.dtype);
    // Walk the output forwards and the input backwards along each reversed axis.
    const os = stridesOf(x.shape);
    const dstOffset = x.shape.reduce((o, d, i) => o + (dims.has(i) ? (d - 1) * os[i] : 0), 0);
    copyInto(backend, x, out, x.shape, 0, st, dstOffset, os.map((s, i) => (dims.has(i) ? -s : s)));
    return out;
  }],
  ['GatherV2', ({ inputs, backend, attrs }) => {
    const { x, indices } = inputs;
    if (Number(attrs.batchDims ?? 0) !== 0) throw new RangeError('GatherV2 with batchDims is not supported on the ntp backend');
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
    // Indices are read on the host (gather is an embedding lookup here, not a hot kernel).
    const idx = backend.readSync(indices.dataId) as Int32Array;
    const outer = x.shape.slice(0, axis), inner = x.shape.slice(axis + 1);
    const shape = [...outer, ...indices.shape, ...inner];
    const out = backend.makeOutput(shape, x.dtype);
    const outerSize = tf.util.sizeFromShape(outer), innerSize = tf.util.sizeFromShape(inner);
    idx.forEach((k, j) => {
      if (k < 0 || k >= x.shape[axis]) throw new RangeError(`GatherV2: index ${k} is outside [0, ${x.shape[axis] - 1}]`);
      copyInto(backend, x, out, [outerSize, innerSize], k * innerSize, [x.shape[axis] * innerSize, 1], j * innerSize, [idx.length * innerSize, 1]);
    });
    return out;
  }],
  ['Fill', ({ backend, attrs }) => fill(backend, attrs.shape as number[], (attrs.dtype as tf.DataType) ?? 'float32', Number(attrs.value))],
  ['ZerosLike', ({ inputs, backend }) => fill(backend, inputs.x.shape, inputs.x.dtype, 0)],
  ['OnesLike', ({ inputs, backend }) => fill(backend, inputs.x.shape, inputs.x.dtype, 1)],
  ['Range', ({ backend, attrs }) => {
    const { start, stop, step, dtype } = attrs as { start: number; stop: number; step: number; dtype: 'float32' | 'int32' };
    const n = Math.max(Math.ceil((stop - start) / step), 0);
    const values = dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = start + i * step;
    return { dataId: backend.write(values, [n], dtype), shape: [n], dtype };
  }],
];
