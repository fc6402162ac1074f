/** Public API of the signals domain (SPEC §8). */
export type { SignalArrays } from './types.js';
export {
  FRACTION_SUM_TOLERANCE,
  HORIZON_COUNT,
  assertTargetFractions,
  calculateConfidence,
  calculateDynamicStopLoss,
  calculatePositionSizeMultiplier,
  calculateProfitTargets,
  calculateSignalStrength,
  checkMultiHorizonAgreement,
  detectVarianceSpike,
  normalizeVariance,
  type HorizonAgreement,
  type ProfitTier,
  type StopLoss,
  type TradeSide,
} from './helpers.js';
export { DEFAULT_SIGNAL_OPTIONS, resolveSignalOptions, type SignalOptions } from './options.js';
export {
  SignalGenerator,
  type PerHorizon,
  type SignalInput,
  type SignalReport,
  type SignalResult,
} from './generator.js';
export { formatSignalTable } from './table.js';
export { emptySignalArrays, signalsOnBars, sliceSignals } from './align.js';
export { signalOptionsFromConfig } from './from-config.js';
export { expectedMove, roundTripCost, type ExecutionCosts } from './costs.js';
