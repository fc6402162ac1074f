/**
 * The reference hybrid model (SPEC §6): inputs `features` [B, T, F] and `close` [B, T];
 * Transformer branch (Dense d_model + learned positional embedding, N blocks, mean over time),
 * LSTM branch (bidirectional, last step), learnable-indicator branch (MLP), concatenated, then
 * one tower per horizon with three heads: price (linear), direction (sigmoid), variance
 * (softplus + 1e-6). Outputs are named price_h0, direction_h0, variance_h0, price_h1, ...
 * With model.recentReturns k > 0, each direction logit also gets a linear term of the last k
 * returns and their signs (RecentReturns), starting at zero.
 */
import * as tf from '@tensorflow/tfjs';

import { deriveSeed } from '../data/random.js';
import { glorotUniform, indicatorSubnet, lstmBlock, transformerBlock } from './blocks.js';
import { fusedDense } from './fused-dense.js';
import { resolveModelConfig, type DeepPartial, type ModelConfig } from './config.js';
import { SeedStream } from './seeds.js';
import { MeanOverTime, PositionalEmbedding, PositiveVariance, RecentReturns, SeededDropout } from './small-layers.js';

type Sym = tf.SymbolicTensor;

export const HEADS = ['price', 'direction', 'variance'] as const;

/** Output names in model order: price_h0, direction_h0, variance_h0, price_h1, ... */
export function outputNames(horizons: number): string[] {
  const names: string[] = [];
  for (let h = 0; h < horizons; h++) for (const head of HEADS) names.push(`${head}_h${h}`);
  return names;
}

/**
 * The model with its initial weights drawn from `seed` (phase 'build' of it, see seeds.ts): the
 * same seed and backend give the same weights, whatever else the process runs.
 */
export function buildModel(partial: DeepPartial<ModelConfig> = {}, options: { seed?: number } = {}): tf.LayersModel {
  const c = resolveModelConfig(partial);
  const seeds = new SeedStream(deriveSeed(options.seed ?? 0, 'build'));
  const reg = c.l2 > 0 ? () => tf.regularizers.l2({ l2: c.l2 }) : () => undefined;
  const dense = (args: Parameters<typeof tf.layers.dense>[0]) => fusedDense({ kernelInitializer: glorotUniform(seeds), kernelRegularizer: reg(), ...args });
  const features = tf.input({ shape: [c.lookback, c.features], name: 'features' });
  const close = tf.input({ shape: [c.lookback], name: 'close' });

  // Transformer branch -> [B, dModel].
  const t = c.transformer;
  let x = dense({ units: t.dModel, name: 'tf_input_proj' }).apply(features) as Sym;
  x = new PositionalEmbedding({ name: 'tf_pos_embedding', seeds }).apply(x) as Sym;
  for (let b = 0; b < t.blocks; b++) {
    x = transformerBlock(x, { heads: t.heads, keyDim: t.keyDim, ffnDim: t.ffnDim, dropout: t.dropout, l2: c.l2, name: `tf_block${b}`, seeds });
  }
  const transformerOut = new MeanOverTime({ name: 'tf_mean_time' }).apply(x) as Sym;

  // LSTM branch -> [B, units * (bidirectional ? 2 : 1)].
  const lstmSeq = lstmBlock(features, { ...c.lstm, implementation: c.lstmImplementation, name: 'lstm', seeds });
  const lstmOut = c.lstm.returnSequences ? new MeanOverTime({ name: 'lstm_mean_time' }).apply(lstmSeq) as Sym : lstmSeq;

  // Indicator branch -> [B, indicators.output].
  const indOut = indicatorSubnet(close, { ...c.indicators, l2: c.l2, name: 'ind', seeds });

  const merged = tf.layers.concatenate({ axis: -1, name: 'merge' }).apply([transformerOut, lstmOut, indOut]) as Sym;

  // A window has lookback - 1 returns: a shorter lookback takes all of them.
  const recentBars = Math.min(c.recentReturns, c.lookback - 1);
  const recent = recentBars > 0 ? new RecentReturns({ bars: recentBars, name: 'recent_returns' }).apply(close) as Sym : null;

  const outputs: Sym[] = [];
  for (let h = 0; h < c.horizons; h++) {
    let z = merged;
    c.tower.hidden.forEach((units, i) => {
      z = dense({ units, activation: 'relu', name: `tower_h${h}_dense${i}` }).apply(z) as Sym;
      if (i === 0 && c.tower.dropout > 0) z = new SeededDropout({ rate: c.tower.dropout, seeds, name: `tower_h${h}_dropout` }).apply(z) as Sym;
    });
    outputs.push(dense({ units: 1, name: `price_h${h}` }).apply(z) as Sym);
    if (recent) {
      const logit = dense({ units: 1, name: `direction_h${h}_logit` }).apply(z) as Sym;
      const skip = fusedDense({ units: 1, useBias: false, kernelInitializer: 'zeros', kernelRegularizer: reg(), name: `direction_h${h}_recent` }).apply(recent) as Sym;
      const sum = tf.layers.add({ name: `direction_h${h}_sum` }).apply([logit, skip]) as Sym;
      outputs.push(tf.layers.activation({ activation: 'sigmoid', name: `direction_h${h}` }).apply(sum) as Sym);
    } else {
      outputs.push(dense({ units: 1, activation: 'sigmoid', name: `direction_h${h}` }).apply(z) as Sym);
    }
    const v = dense({ units: 1, name: `variance_h${h}_linear` }).apply(z) as Sym;
    outputs.push(new PositiveVariance({ name: `variance_h${h}` }).apply(v) as Sym);
  }
  return tf.model({ inputs: [features, close], outputs, name: 'hybrid' });
}

/**
 * Checks a batch against the model's inputs before tfjs sees it: a clear error naming the input
 * and the expected shape instead of a failure deep inside a layer.
 */
export function checkModelInputs(model: tf.LayersModel, features: tf.Tensor, close: tf.Tensor): void {
  const [fIn, cIn] = model.inputs;
  const fail = (name: string, expected: (number | null)[], got: number[]) => {
    throw new RangeError(`model input "${name}" must have shape [${expected.map((d) => d ?? 'batch').join(', ')}] (got [${got.join(', ')}])`);
  };
  const ok = (expected: (number | null)[], got: number[]) =>
    expected.length === got.length && expected.every((d, i) => d == null || d === got[i]);
  const [fName, cName] = model.inputNames;
  if (!ok(fIn.shape, features.shape)) fail(fName, fIn.shape, features.shape);
  if (!ok(cIn.shape, close.shape)) fail(cName, cIn.shape, close.shape);
  if (features.shape[0] !== close.shape[0]) {
    throw new RangeError(`model inputs disagree on the batch size: features ${features.shape[0]}, close ${close.shape[0]}`);
  }
}

/** predict with input checks; returns the nine outputs by name. */
export function predictNamed(model: tf.LayersModel, features: tf.Tensor, close: tf.Tensor, batchSize = 1024): Record<string, tf.Tensor> {
  checkModelInputs(model, features, close);
  const out = model.predict([features, close], { batchSize });
  const list = Array.isArray(out) ? out : [out];
  const names = model.outputNames;
  return Object.fromEntries(list.map((t, i) => [names[i], t]));
}
