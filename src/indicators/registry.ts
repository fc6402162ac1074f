/**
 * Registers the learnable indicator layers in the shared `indicatorRegistry` (src/registry) so
 * config and model code can build them by name.
 */
import type * as tf from '@tensorflow/tfjs';

import { indicatorRegistry } from '../registry/index.js';
import {
  LEARNABLE_INDICATOR_SPECS, LearnableBollingerBands, LearnableCustomMacd, LearnableMA, LearnableMacd,
  LearnableMomentum, LearnableRSI, type LearnableIndicatorArgs,
} from './indicator-layer.js';
import { LearnableIndicators, type LearnableIndicatorsArgs } from './learnable-indicators.js';

export interface IndicatorRegistryEntry {
  /** tfjs serialization class name. */
  className: string;
  /** Trainable periods = output features. */
  outputs: number;
  create(args?: LearnableIndicatorArgs & LearnableIndicatorsArgs): tf.layers.Layer;
}

declare module '../registry/instances.js' {
  interface RegistryTypes { indicator: IndicatorRegistryEntry }
}

const S = LEARNABLE_INDICATOR_SPECS;

/** Registry name -> entry for the layers of SPEC §5 and their concatenation. */
export const LEARNABLE_INDICATORS: Readonly<Record<string, IndicatorRegistryEntry>> = {
  learnable_ma: { className: 'LearnableMA', outputs: S.LearnableMA.defaultPeriods.length, create: (a) => new LearnableMA(a) },
  learnable_macd: { className: 'LearnableMacd', outputs: S.LearnableMacd.defaultPeriods.length, create: (a) => new LearnableMacd(a) },
  learnable_custom_macd: { className: 'LearnableCustomMacd', outputs: S.LearnableCustomMacd.defaultPeriods.length, create: (a) => new LearnableCustomMacd(a) },
  learnable_rsi: { className: 'LearnableRSI', outputs: S.LearnableRSI.defaultPeriods.length, create: (a) => new LearnableRSI(a) },
  learnable_bollinger: { className: 'LearnableBollingerBands', outputs: S.LearnableBollingerBands.defaultPeriods.length, create: (a) => new LearnableBollingerBands(a) },
  learnable_momentum: { className: 'LearnableMomentum', outputs: S.LearnableMomentum.defaultPeriods.length, create: (a) => new LearnableMomentum(a) },
  learnable_indicators: { className: 'LearnableIndicators', outputs: 30, create: (a) => new LearnableIndicators(a) },
};

for (const [name, entry] of Object.entries(LEARNABLE_INDICATORS)) {
  if (!indicatorRegistry.has(name)) indicatorRegistry.register(name, entry);
}
