/**
 * Maps the config's nested `signals` section onto the generator's flat SignalOptions; the
 * round-trip cost comes from the `backtest` section's fee and slippage (costs first).
 */
import type { SignalsConfig } from '../config/index.js';
import { roundTripCost, type ExecutionCosts } from './costs.js';
import type { SignalOptions } from './options.js';

export function signalOptionsFromConfig(s: SignalsConfig, costs: ExecutionCosts): SignalOptions {
  return {
    roundTripCost: roundTripCost(costs),
    costMargin: s.costMargin,
    entryThreshold: s.entryThreshold,
    agreementThreshold: s.agreement.threshold,
    minAgree: s.agreement.minAgree,
    requireAgreement: s.agreement.required,
    spikeWindow: s.spike.window,
    spikeK: s.spike.k,
    stopK: s.stop.k,
    stopMin: s.stop.min,
    stopMax: s.stop.max,
    targetMinDistance: s.targets.minDistance,
    targetFractions: [s.targets.fractions[0], s.targets.fractions[1], s.targets.fractions[2]],
    confidenceScale: s.confidenceScale,
    sizeMin: s.size.min,
    sizeMax: s.size.max,
  };
}
