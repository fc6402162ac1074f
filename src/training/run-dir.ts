/**
 * The layout of a run directory (SPEC §7.3): everything needed to inspect, resume and predict.
 */
import { join } from 'node:path';

export function runPaths(runDir: string) {
  return {
    root: runDir,
    config: join(runDir, 'config.yaml'),
    scaler: join(runDir, 'scaler.json'),
    /** The best model (by the monitored metric): what the predictor loads. */
    model: join(runDir, 'model'),
    meta: join(runDir, 'run.json'),
    history: join(runDir, 'history.json'),
    indicatorLog: join(runDir, 'indicator_periods.csv'),
    tensorboard: join(runDir, 'tensorboard'),
    lastCheckpoint: join(runDir, 'checkpoints', 'last'),
    bestCheckpoint: join(runDir, 'checkpoints', 'best'),
    evaluation: join(runDir, 'evaluation.json'),
    /** P(up) temperature and sigma scale per horizon, fit on validation (absent: identity). */
    calibration: join(runDir, 'calibration.json'),
  };
}

export type RunPaths = ReturnType<typeof runPaths>;
