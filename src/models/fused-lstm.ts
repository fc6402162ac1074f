/**
 * The fused LSTM (SPEC §7.4): the whole sequence runs as one native op forward and one native
 * op backward (BPTT), exposed to tfjs through tf.customGrad, instead of tfjs-layers' handful of
 * small ops per time step. `FusedLSTM` is a tfjs-layers layer with tf.layers.lstm's weight
 * layout (kernel [F, 4U], recurrent_kernel [U, 4U], bias [4U], gates i, f, g, o) and semantics
 * with `recurrentActivation: 'sigmoid'`, so weights copy either way with get/setWeights.
 *
 * With the native kernels off (setNativeKernels(false), or no addon: a saved model loaded
 * elsewhere) the layer computes the same recurrence with tfjs ops, so it always runs. On the
 * `ntp` backend it is that backend's own LSTM kernels (runtime/ntp-backend/kernels/lstm.ts).
 */
import * as tf from '@tensorflow/tfjs';

import { tryNativeAddon } from '../native/addon.js';
import { kernelOutput } from '../native/kernel-output.js';
import { float32Data } from '../native/tensor-data.js';
import { activeNtpBackend, NTP_LSTM, NTP_LSTM_GRAD } from '../runtime/ntp-backend/index.js';
import { recordingGradients, saveForGradient } from '../runtime/gradient-mode.js';
import { nativeKernelsEnabled } from './native-kernels.js';
import { withoutOrthogonalWarning } from './quiet-init.js';
import { drawSeed, type SeededLayer, type SeedStream } from './seeds.js';

interface LstmShapeOptions {
  batch: number;
  steps: number;
  features: number;
  units: number;
  goBackwards?: boolean;
  device?: 'auto' | 'cpu' | 'cuda';
}

export interface LstmForwardOptions extends LstmShapeOptions {
  x: Float32Array;
  kernel: Float32Array;
  recurrentKernel: Float32Array;
  bias: Float32Array;
  out: { h: Float32Array; gates: Float32Array; cells: Float32Array };
}

export interface LstmInferenceOptions extends Omit<LstmShapeOptions, 'device'> {
  x: Float32Array;
  kernel: Float32Array;
  recurrentKernel: Float32Array;
  bias: Float32Array;
  /** Write only the last step's h [B, U] instead of every step's [B, T, U]. */
  lastOnly?: boolean;
  out: { h: Float32Array };
}

export interface LstmBackwardOptions extends LstmShapeOptions {
  x: Float32Array;
  kernel: Float32Array;
  recurrentKernel: Float32Array;
  h: Float32Array;
  gates: Float32Array;
  cells: Float32Array;
  dh: Float32Array;
  out: { dx: Float32Array; dKernel: Float32Array; dRecurrentKernel: Float32Array; dBias: Float32Array };
}

const f32 = (t: tf.Tensor): Float32Array => float32Data(t, 'fusedLstm');

declare module '../native/types.js' {
  interface NativeAddon {
    lstmForward(options: LstmForwardOptions): 'cpu' | 'cuda';
    lstmForwardAsync(options: LstmForwardOptions): Promise<'cpu' | 'cuda'>;
    lstmInference(options: LstmInferenceOptions): void;
    lstmInferenceAsync(options: LstmInferenceOptions): Promise<void>;
    lstmBackward(options: LstmBackwardOptions): 'cpu' | 'cuda';
    lstmBackwardAsync(options: LstmBackwardOptions): Promise<'cpu' | 'cuda'>;
  }
}

function checkShapes(x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias: tf.Tensor): [number, number, number, number] {
  if (x.rank !== 3) throw new RangeError(`fusedLstm: x must be [batch, steps, features] (got shape [${x.shape}])`);
  const [B, T, F] = x.shape as [number, number, number];
  const ks = kernel.shape as number[];
  if (kernel.rank !== 2 || ks[0] !== F || ks[1] % 4 !== 0) {
    throw new RangeError(`fusedLstm: kernel must be [${F}, 4*units] (got [${ks}])`);
  }
  const U = ks[1] / 4;
  if (recurrentKernel.rank !== 2 || recurrentKernel.shape[0] !== U || recurrentKernel.shape[1] !== 4 * U) {
    throw new RangeError(`fusedLstm: recurrentKernel must be [${U}, ${4 * U}] (got [${recurrentKernel.shape}])`);
  }
  if (bias.rank !== 1 || bias.shape[0] !== 4 * U) throw new RangeError(`fusedLstm: bias must be [${4 * U}] (got [${bias.shape}])`);
  return [B, T, F, U];
}

/**
 * The LSTM over a whole sequence: x [B, T, F] -> h [B, T, U] in processing order (reversed
 * time with goBackwards, as tfjs returns it), or only the last step [B, U] when
 * `returnSequences` is false (taken natively: a strided tfjs Slice costs as much as the LSTM).
 * Differentiable w.r.t. all four inputs.
 */
export function fusedLstm(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D,
  goBackwards = false, returnSequences = true): tf.Tensor {
  const [B, T, F, U] = checkShapes(x, kernel, recurrentKernel, bias);
  if (activeNtpBackend()) return lstmOnNtp(x, kernel, recurrentKernel, bias, goBackwards, returnSequences);
  const addon = nativeKernelsEnabled() ? tryNativeAddon() : null;
  if (!addon) {
    return tf.tidy(() => {
      const h = lstmWithTfOps(x, kernel, recurrentKernel, bias, goBackwards);
      return returnSequences ? h : h.slice([0, T - 1, 0], [B, 1, U]).reshape([B, U]);
    });
  }
  const shape = { batch: B, steps: T, features: F, units: U, goBackwards, device: 'cpu' as const };
  if (!recordingGradients()) {  // no backward pass: no gates or cells, and only the h returned
    const h = kernelOutput(B * (returnSequences ? T : 1) * U);
    addon.lstmInference({ batch: B, steps: T, features: F, units: U, goBackwards, lastOnly: !returnSequences,
      x: f32(x), kernel: f32(kernel), recurrentKernel: f32(recurrentKernel), bias: f32(bias), out: { h } });
    return returnSequences ? tf.tensor3d(h, [B, T, U]) : tf.tensor2d(h, [B, U]);
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, k, r, b] = args as tf.Tensor[];
    const save = args[4] as tf.GradSaveFunc;
    const out = { h: kernelOutput(B * T * U), gates: kernelOutput(B * T * 4 * U), cells: kernelOutput(B * T * U) };
    addon.lstmForward({ ...shape, x: f32(xi), kernel: f32(k), recurrentKernel: f32(r), bias: f32(b), out });
    const h = tf.tensor3d(out.h, [B, T, U]);
    const restore = saveForGradient(save, [xi, k, r, h, tf.tensor3d(out.gates, [B, T, 4 * U]), tf.tensor3d(out.cells, [B, T, U])]);
    let value: tf.Tensor = h;
    if (!returnSequences) {
      const last = new Float32Array(B * U);
      for (let bi = 0; bi < B; bi++) last.set(out.h.subarray((bi * T + T - 1) * U, (bi * T + T) * U), bi * U);
      value = tf.tensor2d(last, [B, U]);
    }
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sk, sr, sh, sg, sc] = restore(saved);
        let dh = f32(dy);
        if (!returnSequences) {  // only the last step's output was used
          const full = new Float32Array(B * T * U);
          for (let bi = 0; bi < B; bi++) full.set(dh.subarray(bi * U, (bi + 1) * U), (bi * T + T - 1) * U);
          dh = full;
        }
        const grads = {
          dx: kernelOutput(B * T * F), dKernel: kernelOutput(F * 4 * U),
          dRecurrentKernel: kernelOutput(U * 4 * U), dBias: kernelOutput(4 * U),
        };
        addon.lstmBackward({
          ...shape, x: f32(sx), kernel: f32(sk), recurrentKernel: f32(sr), h: f32(sh), gates: f32(sg), cells: f32(sc),
          dh, out: grads,
        });
        return [tf.tensor3d(grads.dx, [B, T, F]), tf.tensor2d(grads.dKernel, [F, 4 * U]),
          tf.tensor2d(grads.dRecurrentKernel, [U, 4 * U]), tf.tensor1d(grads.dBias)];
      },
    };
  });
  return op(x, kernel, recurrentKernel, bias);
}

/**
 * fusedLstm on the `ntp` backend: its NtpLstm kernel forward and NtpLstmGrad backward, the tensors
 * staying on the backend's device (native kernels or not: they are ntp's own kernels).
 */
function lstmOnNtp(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D,
  goBackwards: boolean, returnSequences: boolean): tf.Tensor {
  const [B, T] = x.shape;
  const U = recurrentKernel.shape[0];
  const attrs = { goBackwards } as unknown as tf.NamedAttrMap;
  // Only the last step's output, taken inside the op as the cpu path does, so both tapes match.
  const output = (h: tf.Tensor) => (returnSequences ? h : tf.tidy(() => h.slice([0, T - 1, 0], [B, 1, U]).reshape([B, U])));
  const forward = (inputs: tf.NamedTensorMap) => tf.engine().runKernel(NTP_LSTM, inputs, attrs) as tf.Tensor[];
  if (!recordingGradients()) {
    const [h, gates, cells] = forward({ x, kernel, recurrentKernel, bias });
    const value = output(h);
    tf.dispose(returnSequences ? [gates, cells] : [h, gates, cells]);
    return value;
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, k, r, b] = args as tf.Tensor[];
    const save = args[4] as tf.GradSaveFunc;
    const [h, gates, cells] = forward({ x: xi, kernel: k, recurrentKernel: r, bias: b });
    const restore = saveForGradient(save, [xi, k, r, h, gates, cells]);
    return {
      value: output(h),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sk, sr, sh, sg, sc] = restore(saved);
        const dh = returnSequences ? dy : tf.pad(dy.reshape([B, 1, U]), [[0, 0], [T - 1, 0], [0, 0]]);
        return tf.engine().runKernel(NTP_LSTM_GRAD, { x: sx, kernel: sk, recurrentKernel: sr, h: sh, gates: sg, cells: sc, dh }, attrs) as tf.Tensor[];
      },
    };
  });
  return op(x, kernel, recurrentKernel, bias);
}

/** The same recurrence with tfjs ops (fallback without the addon). */
export function lstmWithTfOps(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D,
  goBackwards = false): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, T] = x.shape;
    const U = recurrentKernel.shape[0];
    const z = tf.add(tf.matMul(x.reshape([B * T, -1]), kernel), bias).reshape([B, T, 4 * U]);
    let h = tf.zeros([B, U]) as tf.Tensor2D, c = tf.zeros([B, U]) as tf.Tensor2D;
    const outs: tf.Tensor2D[] = [];
    for (let s = 0; s < T; s++) {
      const t = goBackwards ? T - 1 - s : s;
      const zt = tf.add(z.slice([0, t, 0], [B, 1, 4 * U]).reshape([B, 4 * U]), tf.matMul(h, recurrentKernel));
      const [i, f, g, o] = tf.split(zt, 4, 1);
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
      h = tf.mul(tf.sigmoid(o), tf.tanh(c));
      outs.push(h);
    }
    return tf.stack(outs, 1) as tf.Tensor3D;
  });
}

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export interface FusedLSTMArgs extends LayerArgs {
  units: number;
  returnSequences?: boolean;
  goBackwards?: boolean;
  /** Seeds of the initialisers (see seeds.ts). */
  seeds?: SeedStream;
}

export class FusedLSTM extends tf.layers.Layer implements SeededLayer {
  static readonly className = 'FusedLSTM';
  seeds: SeedStream | null;
  readonly units: number;
  readonly returnSequences: boolean;
  readonly goBackwards: boolean;
  private kernel!: tf.LayerVariable;
  private recurrentKernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(args: FusedLSTMArgs) {
    super(args);
    this.seeds = args.seeds ?? null;
    if (!Number.isInteger(args.units) || args.units < 1) {
      throw new RangeError(`FusedLSTM: units must be a positive integer (got ${JSON.stringify(args.units)})`);
    }
    this.units = args.units;
    this.returnSequences = args.returnSequences ?? false;
    this.goBackwards = args.goBackwards ?? false;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape.length !== 3 || shape[2] == null) {
      throw new RangeError(`FusedLSTM ${this.name}: input must be [batch, steps, features] with known features (got [${shape}])`);
    }
    const F = shape[2], U = this.units;
    this.kernel = this.addWeight('kernel', [F, 4 * U], 'float32', tf.initializers.glorotNormal({ seed: drawSeed(this) }));
    this.recurrentKernel = withoutOrthogonalWarning(() => this.addWeight('recurrent_kernel', [U, 4 * U], 'float32', tf.initializers.orthogonal({ seed: drawSeed(this) })));
    // Keras' unitForgetBias: forget-gate bias starts at 1, the rest at 0.
    const bias = new Float32Array(4 * U);
    bias.fill(1, U, 2 * U);
    this.bias = this.addWeight('bias', [4 * U], 'float32', tf.initializers.zeros());
    const init = tf.tensor1d(bias);
    this.bias.write(init);  // copies into the variable
    init.dispose();
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return this.returnSequences ? [shape[0], shape[1], this.units] : [shape[0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      return fusedLstm(x, this.kernel.read() as tf.Tensor2D, this.recurrentKernel.read() as tf.Tensor2D,
        this.bias.read() as tf.Tensor1D, this.goBackwards, this.returnSequences);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, returnSequences: this.returnSequences, goBackwards: this.goBackwards };
  }
}
tf.serialization.registerClass(FusedLSTM);
