/**
 * `LearnableIndicators`: the six learnable layers on one close channel, concatenated in SPEC
 * §5's order (MA 3, MACD 9, custom MACD 9, RSI 3, Bollinger 3, momentum 3 -> [B, 30]), and
 * `readIndicatorPeriods`, which collects the named periods of every learnable layer in a model
 * (the per-epoch CSV log of SPEC §7.3).
 */
import * as tf from '@tensorflow/tfjs';

import {
  LearnableBollingerBands, LearnableCustomMacd, LearnableIndicatorLayer, LearnableMA, LearnableMacd, LearnableMomentum,
  LearnableRSI, type LearnableIndicatorArgs,
} from './indicator-layer.js';
import { indicatorsConcatOp, type IndicatorImplementation } from './ops.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Per-part initial periods (SPEC §5's when absent). */
export interface LearnableIndicatorsArgs extends LayerArgs {
  ma?: number[];
  macd?: number[];
  customMacd?: number[];
  rsi?: number[];
  bollinger?: number[];
  momentum?: number[];
  /** Largest momentum lag when the input's time dimension is unknown (default T-2). */
  maxLag?: number;
  implementation?: IndicatorImplementation;
  /** Learn log periods (see LearnableIndicatorLayer); absent = raw periods (older models). */
  logScale?: number;
}

const PARTS = [
  ['ma', LearnableMA], ['macd', LearnableMacd], ['customMacd', LearnableCustomMacd],
  ['rsi', LearnableRSI], ['bollinger', LearnableBollingerBands], ['momentum', LearnableMomentum],
] as const;

export class LearnableIndicators extends tf.layers.Layer {
  static className = 'LearnableIndicators';
  readonly parts: LearnableIndicatorLayer[];
  private readonly args: LearnableIndicatorsArgs;

  constructor(args: LearnableIndicatorsArgs = {}) {
    super(args);
    this.args = args;
    this.parts = PARTS.map(([key, Cls]) => {
      const a: LearnableIndicatorArgs = { implementation: args.implementation };
      if (args.logScale !== undefined) a.logScale = args.logScale;
      const periods = args[key];
      if (periods !== undefined) a.periods = periods;
      if (key === 'momentum' && args.maxLag !== undefined) a.maxPeriod = args.maxLag;
      return new Cls(a);
    });
  }

  get outputCount(): number {
    return this.parts.reduce((n, p) => n + p.periodCount, 0);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    // Built inside this layer's name scope, so the weights are <name>/ma_periods, ...
    for (const p of this.parts) {
      p.build(inputShape);
      p.built = true;
    }
    this.trainableWeights = this.parts.flatMap((p) => p.trainableWeights);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], this.outputCount];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const close = Array.isArray(inputs) ? inputs[0] : inputs;
      const parts = this.parts.map((p) => ({ kind: p.kind, periods: p.effectivePeriods(), inDomain: p.periodsInDomain(close.shape[1] ?? 0) }));
      return indicatorsConcatOp(parts, close, this.args.implementation);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { ...super.getConfig() };
    PARTS.forEach(([key], i) => { config[key] = this.parts[i].initialPeriods; });
    if (this.args.maxLag !== undefined) config.maxLag = this.args.maxLag;
    if (this.args.logScale !== undefined) config.logScale = this.args.logScale;
    return config;
  }

  /** Writes every part's clipped periods back (see LearnableIndicatorLayer.applyPeriodConstraint). */
  applyPeriodConstraints(): void {
    for (const p of this.parts) p.applyPeriodConstraint();
  }
}
tf.serialization.registerClass(LearnableIndicators);

type LayerLike = tf.layers.Layer | tf.LayersModel;

function learnableParts(items: readonly LayerLike[], out: LearnableIndicatorLayer[]): void {
  for (const item of items) {
    if (item instanceof LearnableIndicatorLayer) out.push(item);
    else if (item instanceof LearnableIndicators) out.push(...item.parts);
    else if ('layers' in item && Array.isArray((item as { layers?: unknown }).layers)) {
      learnableParts((item as { layers: LayerLike[] }).layers, out);  // nested models
    }
  }
}

/** Every learnable indicator layer in `source` (a model, a layer, or a list of them), in order. */
export function learnableIndicatorLayers(source: LayerLike | readonly LayerLike[]): LearnableIndicatorLayer[] {
  const out: LearnableIndicatorLayer[] = [];
  learnableParts(Array.isArray(source) ? source : [source as LayerLike], out);
  return out;
}

/**
 * The current periods of every learnable indicator layer in `source`, by name (ma_5, ...,
 * macd_12_26_9_fast, ..., momentum_20): 30 entries for one LearnableIndicators. Names that
 * would repeat (two layers of one kind) are prefixed with the layer name.
 */
export function readIndicatorPeriods(source: LayerLike | readonly LayerLike[]): Record<string, number> {
  const layers = learnableIndicatorLayers(source);
  const counts = new Map<string, number>();
  for (const l of layers) for (const n of l.periodNames()) counts.set(n, (counts.get(n) ?? 0) + 1);
  const out: Record<string, number> = {};
  for (const l of layers) {
    const values = l.currentPeriods();
    l.periodNames().forEach((n, i) => { out[(counts.get(n) ?? 0) > 1 ? `${l.name}/${n}` : n] = values[i]; });
  }
  return out;
}

/** Writes the clipped periods back into every learnable layer of `source` (after an optimizer step). */
export function applyPeriodConstraints(source: LayerLike | readonly LayerLike[]): void {
  for (const l of learnableIndicatorLayers(source)) l.applyPeriodConstraint();
}
