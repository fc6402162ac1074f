/**
 * The model's affine layers as one op each on `ntp` and on the CPU path. tfjs-layers' Dense
 * reaches the GEMM through K.dot and fused.matMul: reshapes to 2-D and back, an identity
 * transpose, a customGrad that saves four tensors, and a gradient of a dozen small kernels. On
 * `ntp` that is ~28 kernels per Dense per training step, about half of a step's dispatches.
 * `linear` runs x [..., K] @ W [K, N] + b as one GEMM over x viewed as [M, K], keeps x and W
 * (and y under a ReLU) for the backward pass, and computes dx, dW and db from dy. On `ntp` the
 * forward and the backward pass are one kernel each (NtpLinear, NtpLinearGrad: kernels/matmul.ts).
 * The cpu backend with the native kernels (models/native-kernels.ts) runs the same math as tfjs
 * kernels: a `_FusedMatMul` (which applies the ReLU too) between free Reshape views, and three
 * kernels for the gradient (five with a ReLU); a training step's loss and gradients come out bit
 * for bit as through tfjs's Dense. Elsewhere (pure-JS tfjs kernels) it is tfjs's own path.
 *
 * `FusedDense` is tfjs-layers' Dense with its call routed through `linear`: the same weights,
 * config, initialisers and regularisers (models/penalties.ts reads them), saved under its own class
 * name like FusedLSTM; files with plain Dense layers still load as Dense.
 */
import * as tf from '@tensorflow/tfjs';

import { activeNtpBackend, NTP_LINEAR, NTP_LINEAR_GRAD } from '../runtime/ntp-backend/index.js';
import { recordingGradients, saveForGradient } from '../runtime/gradient-mode.js';
import { nativeKernelsEnabled } from './native-kernels.js';

export type LinearActivation = 'linear' | 'relu';

/** x [..., K] @ kernel [K, N] (+ bias [N]), then `activation`: [..., N]. */
export function linear(x: tf.Tensor, kernel: tf.Tensor2D, bias: tf.Tensor1D | null, activation: LinearActivation = 'linear'): tf.Tensor {
  const [K, N] = kernel.shape;
  if (x.shape[x.rank - 1] !== K) throw new RangeError(`linear: input [${x.shape}] does not match a [${K}, ${N}] kernel`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== N)) throw new RangeError(`linear: bias [${bias.shape}] does not match a [${K}, ${N}] kernel`);
  if (!activeNtpBackend() && !(tf.getBackend() === 'cpu' && nativeKernelsEnabled())) {
    // tfjs's fused.matMul, as tf.layers.dense runs it.
    return tf.tidy(() => {
      const y = tf.fused.matMul({ a: x.reshape([-1, K]) as tf.Tensor2D, b: kernel, bias: bias ?? undefined, activation });
      return y.reshape([...x.shape.slice(0, -1), N]);
    });
  }
  const withBias = bias != null;
  const { forward, gradients } = activeNtpBackend() ? ntpLinear(activation, withBias) : cpuLinear(x.shape, K, N, activation, withBias);
  if (!recordingGradients()) return tf.tidy(() => forward(x, kernel, bias ?? undefined));
  // One op for both forms: the inputs are (x, W, b) or (x, W), then tfjs's save function.
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, w, b] = args.slice(0, bias ? 3 : 2) as tf.Tensor[];
    const save = args[bias ? 3 : 2] as tf.GradSaveFunc;
    const y = forward(xi, w, b);
    // y is kept only for the ReLU's gradient (it holds the output's buffer).
    const restore = saveForGradient(save, activation === 'relu' ? [xi, w, y] : [xi, w]);
    return { value: y, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => gradients(dy, restore(saved)) };
  });
  return bias ? op(x, kernel, bias) : op(x, kernel);
}

type LinearForward = (x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor) => tf.Tensor;
/** dy and the saved [x, W] (or [x, W, y] under a ReLU) -> [dx, dW] or [dx, dW, db]. */
type LinearGradients = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];

/** `linear` on ntp: NtpLinear forward, NtpLinearGrad backward. */
function ntpLinear(activation: LinearActivation, withBias: boolean): { forward: LinearForward; gradients: LinearGradients } {
  const attrs = { activation, bias: withBias } as unknown as tf.NamedAttrMap;
  return {
    forward: (x, w, b) => tf.engine().runKernel(NTP_LINEAR, b ? { x, w, bias: b } : { x, w }, attrs) as tf.Tensor,
    gradients: (dy, [x, w, y]) => tf.engine().runKernel(NTP_LINEAR_GRAD, y ? { x, w, dy, y } : { x, w, dy }, attrs) as tf.Tensor[],
  };
}

/** `linear` on the cpu backend's native kernels: a _FusedMatMul between Reshape views, and its gradient as tfjs kernels. */
function cpuLinear(xShape: number[], K: number, N: number, activation: LinearActivation, withBias: boolean) {
  const attrs = { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0 } as unknown as tf.NamedAttrMap;
  const outShape = [...xShape.slice(0, -1), N];
  const forward: LinearForward = (x, w, b) => {
    const a = x.reshape([-1, K]);
    return (tf.engine().runKernel('_FusedMatMul', b ? { a, b: w, bias: b } : { a, b: w }, attrs) as tf.Tensor).reshape(outShape);
  };
  const gradients: LinearGradients = (dy, [x, w, y]) => {
    const dz = (activation === 'relu' ? tf.mul(dy, tf.step(y)) : dy).reshape([-1, N]);
    const grads = [tf.matMul(dz, w, false, true).reshape(x.shape), tf.matMul(x.reshape([-1, K]), dz, true, false)];
    return withBias ? [...grads, tf.sum(dz, 0)] : grads;
  };
  return { forward, gradients };
}

type DenseArgs = Parameters<typeof tf.layers.dense>[0];
type Dense = ReturnType<typeof tf.layers.dense>;
// tfjs-layers exports Dense's factory, not its class: the class is the factory's product's.
const DenseBase = Object.getPrototypeOf(tf.layers.dense({ units: 1, name: 'fused_dense_base_probe' })).constructor as new (args: DenseArgs) => Dense;

/** What FusedDense reads of Dense's private state (set by Dense's constructor and build). */
interface DenseInternals {
  activation: { getClassName(): string };
  kernel: tf.LayerVariable | null;
  bias: tf.LayerVariable | null;
}

export class FusedDense extends DenseBase {
  static readonly className = 'FusedDense';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as DenseInternals;
    const activation = self.activation.getClassName();
    if ((activation !== 'linear' && activation !== 'relu') || !self.kernel) return super.call(inputs, kwargs);
    if (Array.isArray(inputs) && inputs.length !== 1) throw new RangeError(`${this.name}: expects one input (got ${inputs.length})`);
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return linear(x, self.kernel!.read() as tf.Tensor2D, (self.bias?.read() ?? null) as tf.Tensor1D | null, activation);
    });
  }
}

// fromConfig is Dense's, inherited (the constructor type above does not list statics).
tf.serialization.registerClass(FusedDense as unknown as tf.serialization.SerializableConstructor<FusedDense>);

/** A FusedDense layer (tf.layers.dense's arguments). */
export function fusedDense(args: DenseArgs): FusedDense {
  return new FusedDense(args);
}
