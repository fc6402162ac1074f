import test from 'ava';
import * as signals from '../../src/signals/index.js';

test('the barrel exports exactly the public signals API', (t) => {
  t.deepEqual(Object.keys(signals).sort(), [
    'DEFAULT_SIGNAL_OPTIONS',
    'FRACTION_SUM_TOLERANCE',
    'HORIZON_COUNT',
    'SignalGenerator',
    'assertTargetFractions',
    'calculateConfidence',
    'calculateDynamicStopLoss',
    'calculatePositionSizeMultiplier',
    'calculateProfitTargets',
    'calculateSignalStrength',
    'checkMultiHorizonAgreement',
    'detectVarianceSpike',
    'emptySignalArrays',
    'expectedMove',
    'formatSignalTable',
    'normalizeVariance',
    'resolveSignalOptions',
    'roundTripCost',
    'signalOptionsFromConfig',
    'signalsOnBars',
    'sliceSignals',
  ]);
});
