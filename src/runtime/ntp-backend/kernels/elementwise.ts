/**
 * Elementwise kernels of the `ntp` backend, all on the addon's three generic templates (unary,
 * binary with numpy broadcasting, select). Dtype rules follow tfjs-backend-cpu: a unary op keeps
 * its input's dtype, a binary op gives the upcast of its inputs, predicates give bool.
 */
import * as tf from '@tensorflow/tfjs';

import type { NtpBackend } from '../backend.js';
import { binary, cast, select, unary, type BinaryOp, type UnaryOp } from '../device-ops.js';
import { float32Inputs, type NtpKernel } from './kernel.js';

/**
 * Dropout with the mask computed on the device from its seed (native/core/nn/dropout_mask.h):
 * x / (1 - rate) where kept, else 0. Its gradient is the same kernel on dy with the same seed.
 */
export const NTP_DROPOUT = 'NtpDropout';

type Attrs = Record<string, unknown>;

const UNARY_KERNELS: Record<string, { op: UnaryOp; predicate?: boolean; params?: (a: Attrs) => [number, number] }> = {
  Neg: { op: 'neg' }, Abs: { op: 'abs' }, Square: { op: 'square' }, Sqrt: { op: 'sqrt' }, Rsqrt: { op: 'rsqrt' },
  Exp: { op: 'exp' }, Expm1: { op: 'expm1' }, Log: { op: 'log' }, Log1p: { op: 'log1p' },
  Sigmoid: { op: 'sigmoid' }, Softplus: { op: 'softplus' }, Relu: { op: 'relu' }, Relu6: { op: 'relu6' },
  Elu: { op: 'elu' }, Selu: { op: 'selu' }, Tanh: { op: 'tanh' }, Sin: { op: 'sin' }, Cos: { op: 'cos' },
  Floor: { op: 'floor' }, Ceil: { op: 'ceil' }, Round: { op: 'round' }, Sign: { op: 'sign' },
  Reciprocal: { op: 'reciprocal' }, Erf: { op: 'erf' },
  LeakyRelu: { op: 'leakyRelu', params: (a) => [Number(a.alpha), 0] },
  Step: { op: 'step', params: (a) => [Number(a.alpha ?? 0), 0] },
  ClipByValue: { op: 'clip', params: (a) => [Number(a.clipValueMin), Number(a.clipValueMax)] },
  IsFinite: { op: 'isFinite', predicate: true }, IsNan: { op: 'isNan', predicate: true },
  IsInf: { op: 'isInf', predicate: true }, LogicalNot: { op: 'logicalNot', predicate: true },
};

/** `out`: a fixed output dtype (tfjs's FloorDiv gives int32 whatever its inputs). */
const BINARY_KERNELS: Record<string, { op: BinaryOp; predicate?: boolean; out?: tf.DataType }> = {
  Add: { op: 'add' }, Sub: { op: 'sub' }, Multiply: { op: 'mul' }, RealDiv: { op: 'div' },
  FloorDiv: { op: 'floorDiv', out: 'int32' }, Mod: { op: 'mod' }, Maximum: { op: 'maximum' }, Minimum: { op: 'minimum' },
  Pow: { op: 'pow' }, SquaredDifference: { op: 'squaredDifference' }, Atan2: { op: 'atan2' },
  Equal: { op: 'equal', predicate: true }, NotEqual: { op: 'notEqual', predicate: true },
  Less: { op: 'less', predicate: true }, LessEqual: { op: 'lessEqual', predicate: true },
  Greater: { op: 'greater', predicate: true }, GreaterEqual: { op: 'greaterEqual', predicate: true },
  LogicalAnd: { op: 'logicalAnd', predicate: true }, LogicalOr: { op: 'logicalOr', predicate: true },
};

/** Both operands in their common dtype (tfjs ops already match them; this guards direct kernel calls). */
function binaryKernel(b: NtpBackend, x: tf.TensorInfo, y: tf.TensorInfo, op: BinaryOp, predicate: boolean, out?: tf.DataType): tf.TensorInfo {
  const dtype = tf.upcastType(x.dtype, y.dtype);
  if (x.dtype === dtype && y.dtype === dtype) return binary(b, x, y, op, predicate ? 'bool' : out ?? dtype);
  const xs = cast(b, x, dtype), ys = cast(b, y, dtype);
  try {
    return binary(b, xs, ys, op, predicate ? 'bool' : out ?? dtype);
  } finally {
    b.disposeIntermediate(xs);
    b.disposeIntermediate(ys);
  }
}

export const elementwiseKernels: NtpKernel[] = [
  ...Object.entries(UNARY_KERNELS).map(([name, k]): NtpKernel => [name, ({ inputs, backend, attrs }) => {
    const [p0, p1] = k.params ? k.params(attrs) : [0, 0];
    return unary(backend, inputs.x, k.op, k.predicate ? 'bool' : inputs.x.dtype, p0, p1);
  }]),
  ...Object.entries(BINARY_KERNELS).map(([name, k]): NtpKernel => [name, ({ inputs, backend }) =>
    binaryKernel(backend, inputs.a, inputs.b, k.op, k.predicate ?? false, k.out)]),
  ['Cast', ({ inputs, backend, attrs }) => cast(backend, inputs.x, attrs.dtype as tf.DataType)],
  ['AddN', ({ inputs, backend }) => {
    // Summed left to right, each partial sum rounded to float32: tfjs's order.
    const xs = Object.values(inputs);
    if (xs.length === 1) return backend.share(xs[0], xs[0].shape);
    let acc = binaryKernel(backend, xs[0], xs[1], 'add', false);
    for (const t of xs.slice(2)) {
      const next = binaryKernel(backend, acc, t, 'add', false);
      backend.disposeIntermediate(acc);
      acc = next;
    }
    return acc;
  }],
  ['Select', ({ inputs, backend }) => select(backend, inputs.condition, inputs.t, inputs.e)],
  [NTP_DROPOUT, ({ inputs, backend, attrs }) => {
    float32Inputs(NTP_DROPOUT, inputs);
    return unary(backend, inputs.x, 'dropout', 'float32', Number(attrs.rate), Number(attrs.seed));
  }],
];
