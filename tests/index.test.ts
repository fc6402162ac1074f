import test from 'ava';
import * as ntp from '../src/index.js';

test('the package entry exposes each domain\'s main API', (t) => {
  for (const name of ['resolveConfig', 'loadCsv', 'validateOhlcv', 'buildWindows', 'Dataset', 'syntheticMarket', 'fetchCandles',
    'LearnableIndicators', 'buildModel', 'compositeLoss', 'MetricSet', 'train', 'evaluate', 'Predictor', 'SignalGenerator',
    'calculateConfidence', 'runReferenceBacktest', 'runNativeBacktest', 'runSweep', 'runDistributedSweep', 'startWorker', 'renderReport', 'runPipeline', 'runSearch', 'runStudy', 'TpeSampler', 'deflatedSharpe', 'probabilityOfBacktestOverfitting', 'initBackend', 'initDevice', 'useNtpBackend', 'nativeAddon']) {
    t.is(typeof (ntp as Record<string, unknown>)[name], 'function', name);
  }
});
