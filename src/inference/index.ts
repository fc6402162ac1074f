/** Inference (SPEC §8): loading a run directory, predictions, and the model's signals. */
export { Predictor, type Predictions, type PredictOptions } from './predictor.js';
export { modelSignals, signalsFromPredictions, type ModelSignals } from './model-signals.js';
