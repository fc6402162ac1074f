/**
 * Multi-head self-attention as a tfjs-layers layer with its own weights (SPEC §6): Q, K, V
 * projections [D, heads*keyDim] with biases, scaled dot-product attention per head, dropout
 * on the attention weights while training, output projection [heads*keyDim, D]. No mask: every
 * step of a window is in the past of the forecast, so all steps may attend to all others.
 */
import * as tf from '@tensorflow/tfjs';

import { linear } from './fused-dense.js';
import { multiHeadAttention } from './fused-ops.js';
import { drawSeed, type SeededLayer, type SeedStream } from './seeds.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export interface MultiHeadSelfAttentionArgs extends LayerArgs {
  heads: number;
  keyDim: number;
  dropout?: number;
  /** Seeds of the initialisers and dropout masks (see seeds.ts). */
  seeds?: SeedStream;
}

type Kwargs = { training?: boolean } & Record<string, unknown>;

export class MultiHeadSelfAttention extends tf.layers.Layer implements SeededLayer {
  static readonly className = 'MultiHeadSelfAttention';
  seeds: SeedStream | null;
  readonly heads: number;
  readonly keyDim: number;
  readonly dropout: number;
  private weightsByName: Record<string, tf.LayerVariable> = {};

  constructor(args: MultiHeadSelfAttentionArgs) {
    super(args);
    for (const k of ['heads', 'keyDim'] as const) {
      if (!Number.isInteger(args[k]) || args[k] < 1) throw new RangeError(`MultiHeadSelfAttention: ${k} must be a positive integer (got ${JSON.stringify(args[k])})`);
    }
    const dropout = args.dropout ?? 0;
    if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`MultiHeadSelfAttention: dropout must be in [0, 1) (got ${dropout})`);
    this.heads = args.heads;
    this.keyDim = args.keyDim;
    this.dropout = dropout;
    this.seeds = args.seeds ?? null;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape.length !== 3 || shape[2] == null) {
      throw new RangeError(`MultiHeadSelfAttention ${this.name}: input must be [batch, steps, dim] with known dim (got [${shape}])`);
    }
    const D = shape[2], HK = this.heads * this.keyDim;
    const glorot = () => tf.initializers.glorotUniform({ seed: drawSeed(this) });
    for (const p of ['query', 'key', 'value'] as const) {
      this.weightsByName[`${p}_kernel`] = this.addWeight(`${p}_kernel`, [D, HK], 'float32', glorot());
      this.weightsByName[`${p}_bias`] = this.addWeight(`${p}_bias`, [HK], 'float32', tf.initializers.zeros());
    }
    this.weightsByName.output_kernel = this.addWeight('output_kernel', [HK, D], 'float32', glorot());
    this.weightsByName.output_bias = this.addWeight('output_bias', [D], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const H = this.heads, K = this.keyDim;
      const w = (n: string) => this.weightsByName[n].read();
      // One [B*T, D] x [D, 3*H*K] product for Q, K and V (one big GEMM instead of three), then
      // the fused attention reads the packed projection in place (no head transposes).
      const kernel = tf.concat([w('query_kernel'), w('key_kernel'), w('value_kernel')], 1) as tf.Tensor2D;
      const bias = tf.concat([w('query_bias'), w('key_bias'), w('value_bias')], 0);
      const qkv = linear(x, kernel, bias as tf.Tensor1D) as tf.Tensor3D;
      const rate = kwargs?.training ? this.dropout : 0;
      const ctx = multiHeadAttention(qkv, H, K, rate, rate > 0 ? drawSeed(this) : undefined);
      return linear(ctx, w('output_kernel') as tf.Tensor2D, w('output_bias') as tf.Tensor1D);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, keyDim: this.keyDim, dropout: this.dropout };
  }
}
tf.serialization.registerClass(MultiHeadSelfAttention);
