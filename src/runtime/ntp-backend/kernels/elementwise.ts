/**
 * Elementwise kernels of the `ntp` backend, all on the addon's three generic templates (unary,
 * binary with numpy broadcasting, select). Dtype rules follow tfjs-backend-cpu: a unary op keeps
 * its input's dtype, a binary op gives the upcast of its inputs, predicates give bool.
 */
import * as tf from '@tensorflow/tfjs';

import type { NtpBackend } from '../backend.js';
import { BINARY, UNARY, binary, cast, select, unary } from '../device-ops.js';
import type { NtpKernel } from './kernel.js';

type Attrs = Record<string, unknown>;

const UNARY_KERNELS: Record<string, { op: number; predicate?: boolean; params?: (a: Attrs) => [number, number] }> = {
  Neg: { op: UNARY.neg }, Abs: { op: UNARY.abs }, Square: { op: UNARY.square }, Sqrt: { op: UNARY.sqrt }, Rsqrt: { op: UNARY.rsqrt },
  Exp: { op: UNARY.exp }, Expm1: { op: UNARY.expm1 }, Log: { op: UNARY.log }, Log1p: { op: UNARY.log1p },
  Sigmoid: { op: UNARY.sigmoid }, Softplus: { op: UNARY.softplus }, Relu: { op: UNARY.relu }, Relu6: { op: UNARY.relu6 },
  Elu: { op: UNARY.elu }, Selu: { op: UNARY.selu }, Tanh: { op: UNARY.tanh }, Sin: { op: UNARY.sin }, Cos: { op: UNARY.cos },
  Floor: { op: UNARY.floor }, Ceil: { op: UNARY.ceil }, Round: { op: UNARY.round }, Sign: { op: UNARY.sign },
  Reciprocal: { op: UNARY.reciprocal }, Erf: { op: UNARY.erf },
  LeakyRelu: { op: UNARY.leakyRelu, params: (a) => [Number(a.alpha), 0] },
  Step: { op: UNARY.step, params: (a) => [Number(a.alpha ?? 0), 0] },
  ClipByValue: { op: UNARY.clip, params: (a) => [Number(a.clipValueMin), Number(a.clipValueMax)] },
  IsFinite: { op: UNARY.isFinite, predicate: true }, IsNan: { op: UNARY.isNan, predicate: true },
  IsInf: { op: UNARY.isInf, predicate: true }, LogicalNot: { op: UNARY.logicalNot, predicate: true },
};

/** `out`: a fixed output dtype (tfjs's FloorDiv gives int32 whatever its inputs). */
const BINARY_KERNELS: Record<string, { op: number; predicate?: boolean; out?: tf.DataType }> = {
  Add: { op: BINARY.add }, Sub: { op: BINARY.sub }, Multiply: { op: BINARY.mul }, RealDiv: { op: BINARY.div },
  FloorDiv: { op: BINARY.floorDiv, out: 'int32' }, Mod: { op: BINARY.mod }, Maximum: { op: BINARY.maximum }, Minimum: { op: BINARY.minimum },
  Pow: { op: BINARY.pow }, SquaredDifference: { op: BINARY.squaredDifference }, Atan2: { op: BINARY.atan2 },
  Equal: { op: BINARY.equal, predicate: true }, NotEqual: { op: BINARY.notEqual, predicate: true },
  Less: { op: BINARY.less, predicate: true }, LessEqual: { op: BINARY.lessEqual, predicate: true },
  Greater: { op: BINARY.greater, predicate: true }, GreaterEqual: { op: BINARY.greaterEqual, predicate: true },
  LogicalAnd: { op: BINARY.logicalAnd, predicate: true }, LogicalOr: { op: BINARY.logicalOr, predicate: true },
};

/** Both operands in their common dtype (tfjs ops already match them; this guards direct kernel calls). */
function binaryKernel(b: NtpBackend, x: tf.TensorInfo, y: tf.TensorInfo, op: number, predicate: boolean, out?: tf.DataType): tf.TensorInfo {
  const dtype = tf.upcastType(x.dtype, y.dtype);
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
    let acc = binaryKernel(backend, xs[0], xs[1], BINARY.add, false);
    for (const t of xs.slice(2)) {
      const next = binaryKernel(backend, acc, t, BINARY.add, false);
      backend.disposeIntermediate(acc);
      acc = next;
    }
    return acc;
  }],
  ['Select', ({ inputs, backend }) => select(backend, inputs.condition, inputs.t, inputs.e)],
];
