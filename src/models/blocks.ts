/**
 * The hybrid model's blocks (SPEC §6) as builders over symbolic tensors: each composes
 * registered layers (tfjs-layers' own plus this package's custom ones), so a saved model needs
 * no block classes to load, and every weight shows up by a readable name (`<prefix>_...`).
 */
import * as tf from '@tensorflow/tfjs';

import { LearnableIndicators } from '../indicators/learnable-indicators.js';
import { MultiHeadSelfAttention } from './attention.js';
import { fusedDense } from './fused-dense.js';
import { FusedLSTM } from './fused-lstm.js';
import { activeNtpBackend } from '../runtime/ntp-backend/index.js';
import { nativeKernelsEnabled } from './native-kernels.js';
import { FastReLU, LayerNorm, ReverseTime, SeededDropout } from './small-layers.js';
import { withoutOrthogonalWarning } from './quiet-init.js';
import type { SeedStream } from './seeds.js';

type Sym = tf.SymbolicTensor;

function l2(factor: number) {
  return factor > 0 ? tf.regularizers.l2({ l2: factor }) : undefined;
}

/** Dense's default kernel initialiser, seeded from the model's build stream. */
export function glorotUniform(seeds: SeedStream) {
  return tf.initializers.glorotUniform({ seed: seeds.draw() });
}

export interface TransformerBlockOptions {
  heads: number;
  keyDim: number;
  ffnDim: number;
  dropout: number;
  l2: number;
  name: string;
  seeds: SeedStream;
}

/**
 * x [B, T, D] -> [B, T, D]: LayerNorm(x + Dropout(MHSA(x))), then
 * LayerNorm(h + Dropout(Dense_D(Dense_ff relu(h)))) (post-norm, as in the original Transformer).
 */
export function transformerBlock(x: Sym, o: TransformerBlockOptions): Sym {
  const D = x.shape[2];
  if (x.shape.length !== 3 || D == null) throw new RangeError(`transformerBlock ${o.name}: input must be [batch, steps, dim] (got [${x.shape}])`);
  const attn = new MultiHeadSelfAttention({ heads: o.heads, keyDim: o.keyDim, dropout: o.dropout, seeds: o.seeds, name: `${o.name}_mhsa` }).apply(x) as Sym;
  // Residual, dropout and LayerNorm as one fused layer: LayerNorm(x + Dropout(branch)).
  const h = new LayerNorm({ dropout: o.dropout, seeds: o.seeds, name: `${o.name}_ln1` }).apply([x, attn]) as Sym;
  // Linear Dense + separate ReLU (FastReLU): with pure-JS tfjs kernels the GEMM fuses bias and
  // activation only for linear layers while recording gradients, and an unfused bias add
  // broadcasts slowly (with the native kernels or on ntp, FusedDense would fuse either).
  const ff1 = new FastReLU({ name: `${o.name}_ff1_relu` }).apply(
    fusedDense({ units: o.ffnDim, kernelRegularizer: l2(o.l2), kernelInitializer: glorotUniform(o.seeds), name: `${o.name}_ff1` }).apply(h) as Sym) as Sym;
  const ff2 = fusedDense({ units: D, kernelRegularizer: l2(o.l2), kernelInitializer: glorotUniform(o.seeds), name: `${o.name}_ff2` }).apply(ff1) as Sym;
  return new LayerNorm({ dropout: o.dropout, seeds: o.seeds, name: `${o.name}_ln2` }).apply([h, ff2]) as Sym;
}

export interface LstmBlockOptions {
  units: number;
  bidirectional: boolean;
  layers: number;
  returnSequences: boolean;
  /** 'auto': FusedLSTM when the native kernels are on or the ntp backend runs (its own LSTM kernels), tf.layers.lstm otherwise. */
  implementation: 'auto' | 'fused' | 'layers';
  name: string;
  seeds: SeedStream;
}

function lstmLayer(units: number, returnSequences: boolean, goBackwards: boolean, fused: boolean, name: string, seeds: SeedStream): tf.layers.Layer {
  if (fused) return new FusedLSTM({ units, returnSequences, goBackwards, name, seeds });
  // Same cell as FusedLSTM (sigmoid gates, forget bias 1), so weights copy between the two.
  return tf.layers.lstm({
    units, returnSequences, goBackwards, recurrentActivation: 'sigmoid', unitForgetBias: true, name,
    kernelInitializer: glorotUniform(seeds), recurrentInitializer: tf.initializers.orthogonal({ seed: seeds.draw() }),
  });
}

/**
 * x [B, T, F] -> [B, U] (or [B, T, U] with returnSequences), U doubled when bidirectional
 * (forward and backward outputs concatenated, the backward sequence re-reversed into time order).
 * Stacked layers pass full sequences to the next.
 */
export function lstmBlock(x: Sym, o: LstmBlockOptions): Sym {
  const fused = o.implementation === 'fused' || (o.implementation === 'auto' && (nativeKernelsEnabled() || activeNtpBackend() !== null));
  let h = x;
  for (let l = 0; l < o.layers; l++) {
    const seq = l < o.layers - 1 || o.returnSequences;
    // tf.layers.lstm builds its orthogonal recurrent kernel on apply (FusedLSTM quiets its own).
    const fwd = withoutOrthogonalWarning(() => lstmLayer(o.units, seq, false, fused, `${o.name}_l${l}_fwd`, o.seeds).apply(h) as Sym);
    if (!o.bidirectional) {
      h = fwd;
      continue;
    }
    let bwd = withoutOrthogonalWarning(() => lstmLayer(o.units, seq, true, fused, `${o.name}_l${l}_bwd`, o.seeds).apply(h) as Sym);
    if (seq) bwd = new ReverseTime({ name: `${o.name}_l${l}_bwd_reverse` }).apply(bwd) as Sym;
    h = tf.layers.concatenate({ axis: -1, name: `${o.name}_l${l}_concat` }).apply([fwd, bwd]) as Sym;
  }
  return h;
}

export interface IndicatorSubnetOptions {
  hidden: number[];
  /** Width of the branch's last layer. */
  output: number;
  dropout: number;
  l2: number;
  name: string;
  /** false: the periods stay at their initial values (the ablation of learned periods). */
  learnPeriods: boolean;
  /** > 0: learn ln(period) / periodLogScale (see LearnableIndicatorLayer); 0: raw periods. */
  periodLogScale: number;
  seeds: SeedStream;
}

/**
 * The 30 learnable indicator features of the close channel [B, T] (`LearnableIndicators`), then
 * an MLP (ReLU, dropout between layers) over `hidden` then `output`: [B, T] -> [B, output].
 */
export function indicatorSubnet(close: Sym, o: IndicatorSubnetOptions): Sym {
  let h = learnableIndicators(close, o);
  [...o.hidden, o.output].forEach((units, i) => {
    h = fusedDense({ units, activation: 'relu', kernelRegularizer: l2(o.l2), kernelInitializer: glorotUniform(o.seeds), name: `${o.name}_dense${i}` }).apply(h) as Sym;
    if (i < o.hidden.length && o.dropout > 0) {
      h = new SeededDropout({ rate: o.dropout, seeds: o.seeds, name: `${o.name}_dropout${i}` }).apply(h) as Sym;
    }
  });
  return h;
}

function learnableIndicators(close: Sym, o: IndicatorSubnetOptions): Sym {
  // Frozen periods: the layer is not trainable, so its periods stay at their initial values.
  return new LearnableIndicators({ name: `${o.name}_indicators`, logScale: o.periodLogScale > 0 ? o.periodLogScale : undefined, trainable: o.learnPeriods }).apply(close) as Sym;
}
