/**
 * Small parameter-light layers the hybrid model needs and tfjs-layers lacks, each registered for
 * serialization: a learned positional embedding, layer normalisation on the fused native op, a
 * time reversal (bidirectional sequences) and the variance head's positive activation.
 */
import * as tf from '@tensorflow/tfjs';

import { layerNorm } from './fused-ops.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

function single(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
}

function first(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

/** Adds a trainable [T, D] embedding of the position to every window: x [B, T, D] -> [B, T, D]. */
export class PositionalEmbedding extends tf.layers.Layer {
  static readonly className = 'PositionalEmbedding';
  private embedding!: tf.LayerVariable;

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = single(inputShape);
    if (s.length !== 3 || s[1] == null || s[2] == null) {
      throw new RangeError(`PositionalEmbedding ${this.name}: input must be [batch, steps, dim] with known steps and dim (got [${s}])`);
    }
    this.embedding = this.addWeight('embedding', [s[1], s[2]], 'float32', tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05 }));
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
 * Tile's gradient on the cpu backend loops over every replica.
 */
export class LayerNorm extends tf.layers.Layer {
  static readonly className = 'LayerNorm';
  readonly epsilon: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;

  constructor(args: LayerArgs & { epsilon?: number } = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.epsilon > 0)) throw new RangeError(`LayerNorm: epsilon must be > 0 (got ${this.epsilon})`);
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

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => layerNorm(first(inputs), this.gamma.read() as tf.Tensor1D, this.beta.read() as tf.Tensor1D, this.epsilon));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(LayerNorm);
