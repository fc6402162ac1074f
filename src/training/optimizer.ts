/**
 * The optimizer of the training loop: Adam with gradient clipping by global norm (SPEC §7.3),
 * in two implementations with one interface:
 *  - NativeAdam: one fused native call per step over every variable (native/core/nn/optimizer.h),
 *    used on the cpu backend with the native kernels on; it replaces ~10 small tfjs ops per
 *    variable, the largest cost left in a cpu-backend step.
 *  - TfjsAdam: tf.train.adam behind tfjs ops for the clipping, for every other backend.
 * Both expose their state as named float32 arrays plus scalars, which is what checkpoints store
 * so a resumed run continues bit for bit.
 *
 * Every implementation also applies the model's L2 penalties (`l2[i]`: the loss term
 * l2 * sum(w_i^2); its gradient l2 * 2 w_i joins w_i's before the norm) and returns their value,
 * so the penalties never enter the tape (a quarter of a step's kernels on the `ntp` backend). A
 * NaN or infinite gradient changes nothing (`applied` false): the caller reports it.
 */
import * as tf from '@tensorflow/tfjs';

import { nativeAddon } from '../native/addon.js';
import { activeNtpBackend, type NtpBackend } from '../runtime/ntp-backend/index.js';

export interface OptimizerState {
  kind: 'native-adam' | 'tfjs-adam';
  scalars: Record<string, number>;
  arrays: { name: string; shape: number[]; data: Float32Array }[];
}

/** What one update did (core/nn/optimizer.h's AdamResult). */
export interface StepResult {
  /** Global gradient norm before clipping, the penalties' gradients included. */
  norm: number;
  /** The L2 penalties' value before the update: sum of l2[i] * sum(w_i^2). */
  penalty: number;
  /** False when the norm was not finite: nothing was changed. */
  applied: boolean;
}

export interface TrainingOptimizer {
  readonly kind: OptimizerState['kind'];
  /** One update; `grads[i]` is the gradient of `variables[i]`, `l2[i]` its L2 coefficient (default 0). */
  apply(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], l2?: readonly number[]): StepResult;
  state(): Promise<OptimizerState>;
  restore(state: OptimizerState, variables: readonly tf.Variable[]): Promise<void>;
  dispose(): void;
}

export interface AdamSettings {
  learningRate: number;
  clipNorm: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

declare module '../native/types.js' {
  interface NativeAddon {
    adamStep(o: {
      params: Float32Array[]; grads: Float32Array[]; m: Float32Array[]; v: Float32Array[];
      learningRate: number; beta1: number; beta2: number; epsilon: number; step: number; clipNorm: number; l2?: Float32Array;
    }): StepResult;
  }
}

export class NativeAdam implements TrainingOptimizer {
  readonly kind = 'native-adam' as const;
  private m: Float32Array[] = [];
  private v: Float32Array[] = [];
  private step = 0;

  constructor(private readonly s: Required<AdamSettings>) {}

  apply(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], l2: readonly number[] = []): StepResult {
    if (this.m.length === 0) {
      this.m = variables.map((x) => new Float32Array(x.size));
      this.v = variables.map((x) => new Float32Array(x.size));
    }
    // Parameters are copied out and the updated copy becomes the variable's new value, so no
    // tensor that might share the old buffer is changed behind tfjs's back.
    const params = variables.map((x) => Float32Array.from(x.dataSync() as Float32Array));
    const result = nativeAddon().adamStep({
      params, grads: grads.map((g) => g.dataSync() as Float32Array), m: this.m, v: this.v,
      learningRate: this.s.learningRate, beta1: this.s.beta1, beta2: this.s.beta2, epsilon: this.s.epsilon,
      step: this.step + 1, clipNorm: this.s.clipNorm, l2: l2Coefficients(l2, variables.length),
    });
    if (!result.applied) return result;
    this.step += 1;
    variables.forEach((x, i) => {
      const t = tf.tensor(params[i], x.shape, 'float32');
      x.assign(t);
      t.dispose();
    });
    return result;
  }

  async state(): Promise<OptimizerState> {
    return {
      kind: this.kind, scalars: { step: this.step },
      arrays: [...this.m.map((d, i) => ({ name: `m/${i}`, shape: [d.length], data: d })), ...this.v.map((d, i) => ({ name: `v/${i}`, shape: [d.length], data: d }))],
    };
  }

  async restore(state: OptimizerState, variables: readonly tf.Variable[]): Promise<void> {
    const n = variables.length;
    // Saved before the first step (epoch 0, the initial weights): nothing to restore.
    if (state.arrays.length === 0 && state.scalars.step === 0) {
      this.dispose();
      this.step = 0;
      return;
    }
    if (state.arrays.length !== 2 * n) throw new Error(`optimizer state holds ${state.arrays.length / 2} moments, the model has ${n} variables`);
    this.m = state.arrays.slice(0, n).map((a) => Float32Array.from(a.data));
    this.v = state.arrays.slice(n).map((a) => Float32Array.from(a.data));
    this.m.forEach((a, i) => {
      if (a.length !== variables[i].size) throw new Error(`optimizer state for variable ${i} (${variables[i].name}) has ${a.length} values, expected ${variables[i].size}`);
    });
    this.step = state.scalars.step;
  }

  dispose(): void {
    this.m = [];
    this.v = [];
  }
}

/**
 * NativeAdam's step on the `ntp` backend: m and v live on the device; one native call reads each
 * parameter and writes its update into a fresh buffer, which the variable is assigned, so no
 * tensor sharing a parameter's old buffer changes (and nothing is copied first). Its state has
 * NativeAdam's layout, so checkpoints resume across devices.
 */
export class DeviceAdam implements TrainingOptimizer {
  readonly kind = 'native-adam' as const;
  private m: tf.Tensor[] = [];
  private v: tf.Tensor[] = [];
  private step = 0;

  constructor(private readonly s: Required<AdamSettings>, private readonly backend: NtpBackend) {}

  apply(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], l2: readonly number[] = []): StepResult {
    const b = this.backend;
    if (this.m.length === 0) {
      this.m = variables.map((x) => tf.keep(tf.zeros(x.shape)));
      this.v = variables.map((x) => tf.keep(tf.zeros(x.shape)));
    }
    const fresh = variables.map((x) => tf.engine().makeTensorFromTensorInfo(b.makeOutput(x.shape, 'float32'), b));
    try {
      const result = b.addon.tensorAdamStep({
        params: variables.map((x) => b.handle(x)), out: fresh.map((t) => b.handle(t)), grads: grads.map((g) => b.handle(g)),
        m: this.m.map((t) => b.handle(t)), v: this.v.map((t) => b.handle(t)),
        learningRate: this.s.learningRate, beta1: this.s.beta1, beta2: this.s.beta2, epsilon: this.s.epsilon, step: this.step + 1,
        clipNorm: this.s.clipNorm, l2: l2Coefficients(l2, variables.length),
      });
      if (result.applied) {
        this.step += 1;
        variables.forEach((x, i) => x.assign(fresh[i]));
      }
      return result;
    } finally {
      tf.dispose(fresh);
    }
  }

  async state(): Promise<OptimizerState> {
    const arrays = (name: string, ts: tf.Tensor[]) => ts.map((t, i) => ({ name: `${name}/${i}`, shape: [t.size], data: t.dataSync() as Float32Array }));
    return { kind: this.kind, scalars: { step: this.step }, arrays: [...arrays('m', this.m), ...arrays('v', this.v)] };
  }

  async restore(state: OptimizerState, variables: readonly tf.Variable[]): Promise<void> {
    this.dispose();
    this.step = state.scalars.step;
    if (state.arrays.length === 0 && state.scalars.step === 0) return;
    const n = variables.length;
    if (state.arrays.length !== 2 * n) throw new Error(`optimizer state holds ${state.arrays.length / 2} moments, the model has ${n} variables`);
    state.arrays.slice(0, n).forEach((a, i) => {
      if (a.data.length !== variables[i].size) throw new Error(`optimizer state for variable ${i} (${variables[i].name}) has ${a.data.length} values, expected ${variables[i].size}`);
    });
    this.m = state.arrays.slice(0, n).map((a, i) => tf.keep(tf.tensor(a.data, variables[i].shape)));
    this.v = state.arrays.slice(n).map((a, i) => tf.keep(tf.tensor(a.data, variables[i].shape)));
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
    this.m = [];
    this.v = [];
  }
}

/** Adam keeps its beta powers in private variables; only these two fields are touched. */
type AdamInternals = { accBeta1?: tf.Variable; accBeta2?: tf.Variable };

export class TfjsAdam implements TrainingOptimizer {
  readonly kind = 'tfjs-adam' as const;
  private readonly adam: tf.AdamOptimizer;

  constructor(private readonly s: Required<AdamSettings>) {
    this.adam = tf.train.adam(s.learningRate, s.beta1, s.beta2, s.epsilon);
  }

  apply(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], l2: readonly number[] = []): StepResult {
    return tf.tidy(() => {
      const c = l2Coefficients(l2, variables.length);
      const g = grads.map((gi, i) => (c[i] === 0 ? gi : tf.add(gi, tf.mul(c[i], tf.mul(2, variables[i])))));
      // tf.clip_by_global_norm: every gradient times clip / max(norm, clip).
      const normT = tf.sqrt(tf.addN(g.map((gi) => tf.sum(tf.square(gi)))));
      const terms = variables.flatMap((x, i) => (c[i] === 0 ? [] : [tf.mul(c[i], tf.sum(tf.square(x)))]));
      // One read for both (a GPU backend waits for its queue on each).
      const [norm, penalty] = tf.stack([normT, terms.length > 0 ? tf.addN(terms) : tf.scalar(0)]).dataSync();
      const result = { norm, penalty, applied: false };
      if (!Number.isFinite(result.norm)) return result;
      const scale = tf.div(this.s.clipNorm, tf.maximum(normT, this.s.clipNorm));
      this.adam.applyGradients(variables.map((x, i) => ({ name: x.name, tensor: tf.mul(g[i], scale) })));
      return { ...result, applied: true };
    });
  }

  async state(): Promise<OptimizerState> {
    const weights = await this.adam.getWeights();
    const adam = this.adam as unknown as AdamInternals;
    const scalars: Record<string, number> = {};
    // setWeights recomputes the beta powers with pow(); the running products are saved exactly.
    if (adam.accBeta1 && adam.accBeta2) Object.assign(scalars, { accBeta1: adam.accBeta1.dataSync()[0], accBeta2: adam.accBeta2.dataSync()[0] });
    return { kind: this.kind, scalars, arrays: weights.map((w) => ({ name: w.name, shape: w.tensor.shape, data: Float32Array.from(w.tensor.dataSync() as Float32Array) })) };
  }

  async restore(state: OptimizerState): Promise<void> {
    await this.adam.setWeights(state.arrays.map((a) => ({ name: a.name, tensor: tf.tensor(a.data, a.shape) })));
    const adam = this.adam as unknown as AdamInternals;
    if (adam.accBeta1 && adam.accBeta2 && 'accBeta1' in state.scalars) {
      adam.accBeta1.assign(tf.scalar(state.scalars.accBeta1));
      adam.accBeta2.assign(tf.scalar(state.scalars.accBeta2));
    }
  }

  dispose(): void {
    this.adam.dispose();
  }
}

/** `l2` as the addon reads it: one float32 coefficient per variable (missing ones are 0). */
function l2Coefficients(l2: readonly number[], count: number): Float32Array {
  if (l2.length > count) throw new RangeError(`optimizer: ${l2.length} L2 coefficients for ${count} variables`);
  const bad = l2.findIndex((c) => !(Number.isFinite(c) && c >= 0));
  if (bad >= 0) throw new RangeError(`optimizer: l2[${bad}] = ${l2[bad]} must be finite and >= 0`);
  const out = new Float32Array(count);
  out.set(l2);
  return out;
}

/** NativeAdam when the native kernels are on (cpu backend), DeviceAdam on the ntp backend, TfjsAdam otherwise. */
export function createOptimizer(settings: AdamSettings, native: boolean): TrainingOptimizer {
  const s = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, ...settings };
  const device = activeNtpBackend();
  return native ? new NativeAdam(s) : device ? new DeviceAdam(s, device) : new TfjsAdam(s);
}
