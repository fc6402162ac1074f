/**
 * Small parameter-light layers the hybrid model needs and tfjs-layers lacks, each registered for
 * serialization: a learned positional embedding, layer normalisation on the fused native op, a
 * time reversal (bidirectional sequences), the variance head's positive activation and the
 * direction heads' recent-return inputs.
 */
import * as tf from '@tensorflow/tfjs';

import { dropout, layerNorm, reluOp } from './fused-ops.js';
import { drawSeed, type SeededLayer, type SeedStream } from './seeds.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

function single(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
}

function first(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

/** Adds a trainable [T, D] embedding of the position to every window: x [B, T, D] -> [B, T, D]. */
export class PositionalEmbedding extends tf.layers.Layer implements SeededLayer {
  static readonly className = 'PositionalEmbedding';
  seeds: SeedStream | null;
  private embedding!: tf.LayerVariable;

  constructor(args: LayerArgs & { seeds?: SeedStream } = {}) {
    super(args);
    this.seeds = args.seeds ?? null;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = single(inputShape);
    if (s.length !== 3 || s[1] == null || s[2] == null) {
      throw new RangeError(`PositionalEmbedding ${this.name}: input must be [batch, steps, dim] with known steps and dim (got [${s}])`);
    }
    this.embedding = this.addWeight('embedding', [s[1], s[2]], 'float32', tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: drawSeed(this) }));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return single(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.add(first(inputs), this.embedding.read()));
  }
}
tf.serialization.registerClass(PositionalEmbedding);

/**
 * Dropout (inverted, as tfjs-layers' Dropout) whose mask seed comes from the layer's stream on
 * every training call: tfjs-layers' own takes one fixed seed (the same mask every step) or draws
 * from Math.random.
 */
export class SeededDropout extends tf.layers.Layer implements SeededLayer {
  static readonly className = 'SeededDropout';
  seeds: SeedStream | null;
  readonly rate: number;

  constructor(args: LayerArgs & { rate: number; seeds?: SeedStream }) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new RangeError(`SeededDropout: rate must be in [0, 1) (got ${args.rate})`);
    this.rate = args.rate;
    this.seeds = args.seeds ?? null;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return single(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = first(inputs);
    if (!kwargs?.training || this.rate === 0) return x;
    return tf.tidy(() => dropout(x, this.rate, drawSeed(this)));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}
tf.serialization.registerClass(SeededDropout);

/** Reverses the time axis of [B, T, ...] (aligns a backward LSTM's sequence with the forward one). */
export class ReverseTime extends tf.layers.Layer {
  static readonly className = 'ReverseTime';
  constructor(args: LayerArgs = {}) {
    super(args);
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return single(inputShape);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.reverse(first(inputs), 1));
  }
}
tf.serialization.registerClass(ReverseTime);

/** softplus(x) + epsilon: a strictly positive variance (SPEC §6, epsilon 1e-6). */
export class PositiveVariance extends tf.layers.Layer {
  static readonly className = 'PositiveVariance';
  readonly epsilon: number;
  constructor(args: LayerArgs & { epsilon?: number } = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-6;
    if (!(this.epsilon > 0)) throw new RangeError(`PositiveVariance: epsilon must be > 0 (got ${this.epsilon})`);
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return single(inputShape);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.add(tf.softplus(first(inputs)), this.epsilon));
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(PositiveVariance);

/**
 * Layer normalisation over the last axis (Keras LayerNormalization semantics: gamma ones, beta
 * zeros, epsilon 1e-3) on the fused native op; tfjs-layers' own version tiles gamma/beta, and
 * Tile's gradient on the cpu backend loops over every replica. Given two inputs [x, branch] it
 * computes the Transformer's residual step LayerNorm(x + Dropout(branch)) as one op, `dropout`
 * applying to the branch while training.
 */
export class LayerNorm extends tf.layers.Layer implements SeededLayer {
  static readonly className = 'LayerNorm';
  seeds: SeedStream | null;
  readonly epsilon: number;
  readonly dropout: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;

  constructor(args: LayerArgs & { epsilon?: number; dropout?: number; seeds?: SeedStream } = {}) {
    super(args);
    this.seeds = args.seeds ?? null;
    this.epsilon = args.epsilon ?? 1e-3;
    this.dropout = args.dropout ?? 0;
    if (!(this.epsilon > 0)) throw new RangeError(`LayerNorm: epsilon must be > 0 (got ${this.epsilon})`);
    if (!(this.dropout >= 0 && this.dropout < 1)) throw new RangeError(`LayerNorm: dropout must be in [0, 1) (got ${this.dropout})`);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = single(inputShape);
    const dim = s[s.length - 1];
    if (dim == null) throw new RangeError(`LayerNorm ${this.name}: the last input dimension must be known (got [${s}])`);
    this.gamma = this.addWeight('gamma', [dim], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return single(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      const residual = Array.isArray(inputs) && inputs.length > 1 ? inputs[1] : undefined;
      const rate = residual && kwargs?.training ? this.dropout : 0;
      return layerNorm(first(inputs), this.gamma.read() as tf.Tensor1D, this.beta.read() as tf.Tensor1D, this.epsilon, residual, rate,
        rate > 0 ? drawSeed(this) : undefined);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon, dropout: this.dropout };
  }
}
tf.serialization.registerClass(LayerNorm);

/**
 * Mean over the time axis: [B, T, D] -> [B, D] (GlobalAveragePooling1D without a mask). Its
 * gradient is written directly (dy / T copied to every step): tfjs's generic mean gradient is a
 * broadcasting multiply and divide, which the cpu backend runs per element through index math.
 */
export class MeanOverTime extends tf.layers.Layer {
  static readonly className = 'MeanOverTime';
  constructor(args: LayerArgs = {}) {
    super(args);
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = single(inputShape);
    if (s.length !== 3) throw new RangeError(`MeanOverTime ${this.name}: input must be [batch, steps, dim] (got [${s}])`);
    return [s[0], s[2]];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = first(inputs);
    if (x.rank !== 3) throw new RangeError(`MeanOverTime ${this.name}: input must be [batch, steps, dim] (got [${x.shape}])`);
    // The written-out gradient reads dy into JS: only worth it where tensors already live there.
    if (tf.getBackend() !== 'cpu') return tf.mean(x, 1);
    const [B, T, D] = x.shape as [number, number, number];
    const op = tf.customGrad(((xi: tf.Tensor) => ({
      value: tf.mean(xi, 1),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync();
        const out = new Float32Array(B * T * D);
        for (let b = 0; b < B; b++) {
          const row = new Float32Array(D);
          for (let d = 0; d < D; d++) row[d] = g[b * D + d] / T;
          for (let t = 0; t < T; t++) out.set(row, (b * T + t) * D);
        }
        return tf.tensor3d(out, [B, T, D]);
      },
    })) as unknown as Parameters<typeof tf.customGrad>[0]);
    return op(x);
  }
}
tf.serialization.registerClass(MeanOverTime);

/** ReLU as one fused op forward and backward (see reluOp); same values as tf.layers.reLU. */
export class FastReLU extends tf.layers.Layer {
  static readonly className = 'FastReLU';
  constructor(args: LayerArgs = {}) {
    super(args);
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return single(inputShape);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return reluOp(first(inputs));
  }
}
tf.serialization.registerClass(FastReLU);

/**
 * The last `bars` 1-bar log returns of each window over the window's realised volatility (RMS of
 * all its returns), clipped to ±CLIP, then their signs: close [B, T] (positive, any scale) ->
 * [B, 2 * bars]. The inputs of the direction heads' linear skip: the reversal of the last few
 * bars, in units of the current volatility, is what a logistic probe finds in 1h candles.
 */
export class RecentReturns extends tf.layers.Layer {
  static readonly className = 'RecentReturns';
  static readonly CLIP = 5;
  readonly bars: number;
  constructor(args: LayerArgs & { bars: number }) {
    super(args);
    if (!(Number.isInteger(args.bars) && args.bars >= 1)) throw new RangeError(`RecentReturns: bars must be an integer >= 1 (got ${args.bars})`);
    this.bars = args.bars;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = single(inputShape);
    if (s.length !== 2 || s[1] == null || s[1] <= this.bars) {
      throw new RangeError(`RecentReturns ${this.name}: input must be [batch, steps] with more than ${this.bars} steps (got [${s}])`);
    }
    return [s[0], 2 * this.bars];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const close = first(inputs) as tf.Tensor2D;
      const T = close.shape[1];
      const logClose = tf.log(tf.maximum(close, 1e-12));
      const r = tf.sub(tf.slice(logClose, [0, 1], [-1, T - 1]), tf.slice(logClose, [0, 0], [-1, T - 1]));
      const rv = tf.sqrt(tf.add(tf.mean(tf.square(r), 1, true), 1e-12));
      const z = tf.clipByValue(tf.div(tf.slice(r, [0, T - 1 - this.bars], [-1, this.bars]), rv), -RecentReturns.CLIP, RecentReturns.CLIP);
      return tf.concat([z, tf.sign(z)], 1);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), bars: this.bars };
  }
}
tf.serialization.registerClass(RecentReturns);
