/** Training (SPEC §7.3): the loop, evaluation, checkpoints, callbacks and calibration. */
export { train, type TrainOptions, type TrainResult } from './trainer.js';
export { evaluate, type Evaluation } from './evaluate.js';
export { calibrateLossWeights, type Calibration } from './calibrate.js';
export { runPaths, type RunPaths } from './run-dir.js';
export { prepareRuntime, type RuntimeReport } from './runtime.js';
export { TensorBoardWriter, readScalarEvents, crc32c, maskedCrc32c } from './tensorboard.js';
export { createEarlyStopping, observeEpoch, type EarlyStoppingState } from './early-stopping.js';
export { Progress, type ProgressOptions } from './progress.js';
export { modelConfigFor, lossOptionsFor } from './model-config.js';
