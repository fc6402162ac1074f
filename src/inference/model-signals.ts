/**
 * The model's path from candles to tradeable signals: predictions for every window, the signal
 * generator over them, and the signals placed on the bars their windows end at (what the
 * backtesters read).
 */
import type { PipelineConfig } from '../config/index.js';
import type { Candles } from '../data/candles.js';
import { SignalGenerator, signalOptionsFromConfig, signalsOnBars, type SignalArrays, type SignalReport } from '../signals/index.js';
import type { Predictions, Predictor, PredictOptions } from './predictor.js';

/** The signal settings, and the execution costs they are weighed against (costs first). */
export type SignalSettings = Pick<PipelineConfig, 'signals' | 'backtest'>;

export interface ModelSignals {
  predictions: Predictions;
  /** One entry per bar of the candles. */
  signals: SignalArrays;
  report: SignalReport;
}

export async function modelSignals(
  predictor: Predictor,
  candles: Candles,
  config: SignalSettings,
  options: PredictOptions & { ends?: Int32Array } = {},
): Promise<ModelSignals> {
  const predictions = options.ends
    ? await predictor.predictEnds(candles, options.ends, options)
    : await predictor.predictBatch(candles, options);
  return { predictions, ...signalsFromPredictions(predictions, candles.close.length, config) };
}

/**
 * Signals on the series' `bars` bars from predictions already made: the model runs once and
 * signal settings (e.g. a sweep's entry thresholds) vary over the same predictions.
 */
export function signalsFromPredictions(
  predictions: Predictions,
  bars: number,
  config: SignalSettings,
): Omit<ModelSignals, 'predictions'> {
  const [p0, p1, p2] = predictions.pUp;
  const [r0, r1, r2] = predictions.predictedReturn;
  const [v0, v1, v2] = predictions.variance;
  const { signals, report } = new SignalGenerator(signalOptionsFromConfig(config.signals, config.backtest)).generate({
    close: predictions.close, pUp: [p0, p1, p2], predictedReturn: [r0, r1, r2], variance: [v0, v1, v2],
  });
  return { signals: signalsOnBars(signals, predictions.ends, bars), report };
}
