/**
 * Maps the pipeline config's `model` section (plus the data shape) onto the model factory's
 * ModelConfig: the one place where configuration meets the network's sizes.
 */
import type { PipelineConfig } from '../config/index.js';
import type { DeepPartial, ModelConfig } from '../models/index.js';

export function modelConfigFor(config: PipelineConfig, features: number, horizons: number, nativeKernels: boolean): DeepPartial<ModelConfig> {
  const m = config.model;
  return {
    lookback: config.windows.lookback,
    features,
    horizons,
    transformer: {
      dModel: m.transformer.dModel, blocks: m.transformer.blocks, heads: m.transformer.heads,
      keyDim: m.transformer.keyDim, ffDim: m.transformer.ffnDim, dropout: m.transformer.dropout,
    },
    lstm: { units: m.lstm.units, bidirectional: m.lstm.bidirectional, layers: m.lstm.layers, returnSequences: m.lstm.returnSequences },
    indicators: { hidden: [...m.indicators.hidden, m.indicators.output], dropout: m.indicators.dropout },
    towers: { hidden: [...m.tower.hidden], dropout: m.tower.dropout },
    l2: m.l2,
    lstmImplementation: nativeKernels ? 'auto' : 'layers',
  };
}

/** Composite-loss options from the config's `losses` section. */
export function lossOptionsFor(config: PipelineConfig) {
  const l = config.losses;
  return {
    weights: { ...l.weights },
    horizonWeights: [...l.horizonWeights],
    losses: { trend: `trend_${l.trend.variant}` },
    params: { huberDelta: l.huberDelta, focalAlpha: l.focal.alpha, focalGamma: l.focal.gamma, trendTau: l.trend.tau },
  };
}
