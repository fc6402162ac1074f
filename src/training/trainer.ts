/**
 * The training loop (SPEC §7.3): Adam with gradient clipping by global norm, the composite
 * loss plus L2 penalties, validation every epoch, early stopping on the monitored metric (ties
 * broken by the validation loss), best + last checkpoints, TensorBoard scalars, the
 * indicator-period log, a progress line, and exact resume: every random draw of epoch e comes
 * from a generator seeded by (seed, e), and checkpoints hold the optimizer state, so a run
 * resumed after epoch e replays epochs e+1... bit for bit as an uninterrupted run would.
 *
 * Epoch 0 is the initial weights, evaluated before any step (its `loss` is the training
 * split's loss without dropout or L2), so the history shows whether training helped and the
 * initial weights can win. Training epochs are 1..training.epochs. At the end the best
 * epoch's weights are restored (the returned model and `model/` are the best), and the output
 * calibration is fit on the validation split and saved as calibration.json.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';

import { saveConfig, type PipelineConfig } from '../config/index.js';
import type { SymbolCandles } from '../data/candles.js';
import { Dataset, type DatasetOptions } from '../data/dataset.js';
import { scalerFromJson, scalerToJson } from '../data/scaler.js';
import { readIndicatorPeriods } from '../indicators/index.js';
import { compositeTotal, toLossInputs } from '../losses/index.js';
import { buildModel, l2Penalties, loadModel, reseedModel, saveModel, writeCalibration } from '../models/index.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { OutputSet } from '../util/output-set.js';
import { readJsonFile } from '../util/read-json.js';
import { batchTensors, disposeBatch, namedOutputs } from './batch-tensors.js';
import { balancedFocalAlpha, trainingUpFractions } from './class-balance.js';
import { findCheckpoint, loadCheckpoint, saveCheckpoint, type TrainerState } from './checkpoints.js';
import { createEarlyStopping, observeEpoch } from './early-stopping.js';
import { evaluate } from './evaluate.js';
import { fitOutputCalibration } from './fit-calibration.js';
import { IndicatorLog, parseIndicatorLog } from './indicator-log.js';
import { lossOptionsFor, modelConfigFor, type RunMeta } from './model-config.js';
import { createOptimizer, type TrainingOptimizer } from './optimizer.js';
import { Progress, type ProgressOptions } from './progress.js';
import { runPaths } from './run-dir.js';
import { prepareRuntime } from './runtime.js';
import { TensorBoardWriter } from './tensorboard.js';

export interface TrainOptions {
  config: PipelineConfig;
  series: readonly SymbolCandles[];
  /** Defaults to config.output.runDir. */
  runDir?: string;
  /** Continue from the run directory's last checkpoint. */
  resume?: boolean;
  /** Where the progress line goes (default stderr); `quiet` silences it (e.g. --json). */
  progress?: { stream?: ProgressOptions['stream']; quiet?: boolean };
  /** Explicit train/val/test parts per symbol instead of config.split's fractions (walk-forward folds). */
  splits?: DatasetOptions['splits'];
  /** Called after every epoch (0 = the initial weights) with its logs, after checkpoints are written. */
  onEpoch?: (epoch: number, logs: Record<string, number>) => void;
  /**
   * Asked after every training epoch (1, 2, ...; after onEpoch); true stops training there, like
   * early stopping (a search pruning a trial; on a queue worker the answer comes from the coordinator).
   */
  stopAfter?: (epoch: number, logs: Record<string, number>) => boolean | Promise<boolean>;
  /** Messages about the run directory (recovered sets, locks, a kept unfinished run). */
  log?: (line: string) => void;
  /**
   * Called when training is done, with the staging directory that is about to replace the run
   * directory, to add files to the same set (e.g. `ntp run`'s evaluation and report).
   */
  beforeCommit?: (stagingDir: string, result: TrainResult) => Promise<void>;
}

/** What `--resume` copies from a committed run: its training state, not outputs derived from an older model. */
const TRAINING_ENTRIES = new Set(Object.entries(runPaths('')).filter(([k]) => !['root', 'evaluation'].includes(k)).map(([, p]) => p.split(/[\\/]/)[0]));

/**
 * Trains into the run directory as one set (SPEC §11): everything, checkpoints included, is
 * written into the staging directory `.NAME.partial` beside it (see util/output-set.ts), which
 * replaces the run directory when training ends. A killed run leaves the old run directory as
 * it was and its checkpoints in the staging, where `resume` continues; without `resume` a
 * new run starts over.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const runDir = options.runDir ?? options.config.output.runDir;
  await prepareRuntime(options.config);
  const set = OutputSet.open(runDir, {
    command: `ntp train${options.resume ? ' --resume' : ''}`, log: options.log,
    start: options.resume ? 'continue' : 'empty', copy: (name) => TRAINING_ENTRIES.has(name),
  });
  if (set.continued) options.log?.(`${runDir}: continuing the unfinished run in ${set.staging}`);
  try {
    const result = await trainInto(set.staging, options);
    await options.beforeCommit?.(set.staging, result);
    set.commit();
    return { ...result, runDir };
  } catch (e) {
    const keep = findCheckpoint(runPaths(set.staging).lastCheckpoint) !== null;
    set.abort(keep);
    if (keep) options.log?.(`${runDir} is unchanged; the unfinished run is kept in ${set.staging} (\`ntp train --resume ${runDir}\` continues it)`);
    throw e;
  }
}

export interface TrainResult {
  runDir: string;
  /** Training epochs run by this call (epoch 0, the initial evaluation, not counted). */
  epochsRun: number;
  bestEpoch: number | null;
  best: number | null;
  monitor: string;
  stoppedEarly: boolean;
  /** Epoch 0 (initial weights) first. */
  history: Record<string, number>[];
  /** The best epoch's weights. */
  model: tf.LayersModel;
  dataset: Dataset;
}

type WeightVariable = tf.LayerVariable & { constraint?: { apply(x: tf.Tensor): tf.Tensor } | null };

async function trainInto(runDir: string, options: TrainOptions): Promise<TrainResult> {
  const { config } = options;
  const paths = runPaths(runDir);
  const runtime = await prepareRuntime(config);
  options.log?.(runtime.device.summary);
  const seed = config.training.seed;

  if (options.resume && !findCheckpoint(paths.lastCheckpoint)) {
    const target = options.runDir ?? config.output.runDir;
    throw new Error(`--resume: ${target} has no checkpoint to resume from (expected ${runPaths(target).lastCheckpoint})`);
  }
  // On resume the saved scaler is reused verbatim, so inputs are scaled exactly as before.
  const savedScaler = options.resume && existsSync(paths.scaler)
    ? scalerFromJson(readJsonFile(paths.scaler)) : undefined;
  const dataset = new Dataset(options.series, {
    lookback: config.windows.lookback,
    features: config.features,
    horizons: config.windows.horizons,
    fractions: [config.split.train, config.split.val, config.split.test],
    embargo: config.split.embargo,
    splits: options.splits,
    scaler: savedScaler ?? config.scaler.method,
    batchSize: config.dataset.batchSize,
    shuffle: config.dataset.shuffle,
    noiseStd: config.dataset.noiseStd,
    seed,
  });
  const trainWindows = dataset.refs.train.ends.length;
  if (trainWindows === 0) {
    throw new Error(`the training split has no windows: need more than lookback + max(horizons) + embargo bars per symbol (lookback ${config.windows.lookback}, horizons ${config.windows.horizons.join('/')})`);
  }
  if (dataset.refs.val.ends.length === 0) throw new Error('the validation split has no windows: add bars or raise split.val');
  if (!savedScaler && dataset.scaler) writeJsonAtomic(paths.scaler, scalerToJson(dataset.scaler));
  saveConfig(paths.config, config);
  const candles = options.series.map((s) => s.candles);
  // The direction head's class weights come from the training split; a resumed run reuses
  // the saved ones so its loss is the one the run started with.
  const savedMeta = options.resume && existsSync(paths.meta) ? JSON.parse(readFileSync(paths.meta, 'utf8')) as RunMeta : {};
  const upFraction = savedMeta.direction?.upFraction ?? trainingUpFractions(dataset, candles);
  const direction = { upFraction, focalAlpha: savedMeta.direction?.focalAlpha ?? balancedFocalAlpha(upFraction) };
  const lossOptions = lossOptionsFor(config, direction.focalAlpha);
  const optimizer = createOptimizer({ learningRate: config.training.learningRate, clipNorm: config.training.clipNorm }, runtime.nativeKernels);

  let model: tf.LayersModel;
  let state: TrainerState;
  if (options.resume) {
    ({ model, state } = await loadCheckpoint(paths.lastCheckpoint, optimizer));
  } else {
    const modelConfig = modelConfigFor(config, dataset.features.length, dataset.horizons.length);
    model = buildModel(modelConfig, { seed });
    state = {
      epoch: -1,
      earlyStopping: createEarlyStopping(config.training.monitor, config.training.mode, config.training.patience),
      history: [],
    };
  }
  writeJsonAtomic(paths.meta, {
    version: 1, startedAt: new Date().toISOString(), resumedFromEpoch: options.resume ? state.epoch : null,
    backend: runtime.package, nativeKernels: runtime.nativeKernels, symbols: dataset.symbols,
    windows: { train: trainWindows, val: dataset.refs.val.ends.length, test: dataset.refs.test.ends.length },
    features: dataset.features, horizons: dataset.horizons, lookback: dataset.lookback,
    parameters: model.countParams(), direction: config.losses.focal.balance ? direction : { upFraction, focalAlpha: null },
  });

  const indicatorLog = new IndicatorLog(paths.indicatorLog, options.resume && existsSync(paths.indicatorLog)
    ? parseIndicatorLog(readFileSync(paths.indicatorLog, 'utf8')).filter((r) => r.epoch <= state.epoch) : []);
  const tensorboard = config.training.tensorboard ? new TensorBoardWriter(paths.tensorboard) : null;
  const weights = model.trainableWeights as WeightVariable[];
  const variables = weights.map((w) => w.read() as tf.Variable);
  // A run that early stopping ended stays ended when resumed.
  const es = state.earlyStopping;
  let stoppedEarly = state.epoch >= 1 && es.wait > 0 && es.wait >= es.patience;
  let epochsRun = 0;

  /** Validation, early stopping, logs and checkpoints after epoch `epoch`; returns whether to stop. */
  const endEpoch = async (epoch: number, trainLogs: Record<string, number>, progress: Progress): Promise<boolean> => {
    const val = await evaluate(model, dataset, 'val', candles, lossOptions);
    const logs: Record<string, number> = {
      epoch, ...trainLogs, ...Object.fromEntries(Object.entries(val.values).map(([k, v]) => [`val_${k}`, v])),
    };
    const { improved, stop } = observeEpoch(state.earlyStopping, epoch, logs);
    state = { ...state, epoch, history: [...state.history, logs] };
    progress.finish({ loss: logs.loss, val_loss: logs.val_loss, [config.training.monitor]: logs[config.training.monitor], 'samples/s': logs.samples_per_s });

    indicatorLog.record(epoch, readIndicatorPeriods(model));
    tensorboard?.scalars(epoch, logs);
    writeJsonAtomic(paths.history, state.history);
    if (improved) {
      await saveModel(model, paths.model);
      await saveCheckpoint(paths.bestCheckpoint, model, optimizer, state);
    }
    await saveCheckpoint(paths.lastCheckpoint, model, optimizer, state);
    options.onEpoch?.(epoch, logs);
    return stop || (epoch >= 1 && (await options.stopAfter?.(epoch, logs)) === true);
  };

  if (state.epoch < 0) {
    const progress = new Progress({ label: 'epoch 0 (initial weights)', total: 1, unit: 'pass', stream: options.progress?.stream, quiet: options.progress?.quiet });
    const initial = await evaluate(model, dataset, 'train', candles, lossOptions);
    progress.update(1, { loss: initial.values.loss });
    await endEpoch(0, { loss: initial.values.loss }, progress);
  }
  for (let epoch = state.epoch + 1; epoch <= config.training.epochs && !stoppedEarly; epoch++) {
    const progress = new Progress({
      label: `epoch ${epoch}/${config.training.epochs}`, total: dataset.batchCount('train'), unit: 'batch',
      stream: options.progress?.stream, quiet: options.progress?.quiet,
    });
    const started = Date.now();
    let lossSum = 0;
    let seen = 0;
    let batches = 0;
    // Epoch e's dropout masks come from its own stream, so a resumed run replays it exactly.
    reseedModel(model, seed, `epoch:${epoch}`);
    for await (const batch of dataset.batches('train', { epoch })) {
      const t = batchTensors(batch);
      try {
        const loss = trainStep(model, optimizer, variables, t, lossOptions);
        lossSum += loss * batch.size;
      } finally {
        disposeBatch(t);
      }
      // Projections (indicator period bounds) apply after each update, as in Keras.
      for (const w of weights) if (w.constraint) w.write(w.read());
      seen += batch.size;
      batches += 1;
      progress.update(batches, { loss: lossSum / seen, 'samples/s': seen / Math.max(1e-3, (Date.now() - started) / 1000) });
    }
    const trainSeconds = (Date.now() - started) / 1000;
    stoppedEarly = await endEpoch(epoch, { loss: lossSum / seen, samples_per_s: seen / Math.max(1e-3, trainSeconds) }, progress);
    epochsRun += 1;
  }
  if (!existsSync(paths.model)) await saveModel(model, paths.model);
  optimizer.dispose();
  // Restore the best epoch's weights (model/ holds them: it is written whenever the best improves).
  if (state.earlyStopping.bestEpoch !== null && state.earlyStopping.bestEpoch !== state.epoch) {
    const best = await loadModel(paths.model);
    model.setWeights(best.getWeights());
    best.dispose();
  }
  writeCalibration(paths.calibration, await fitOutputCalibration(model, dataset, 'val', { regime: config.training.sigmaCalibration === 'regime' }));
  return {
    runDir, epochsRun, bestEpoch: state.earlyStopping.bestEpoch, best: state.earlyStopping.best,
    monitor: config.training.monitor, stoppedEarly, history: state.history, model, dataset,
  };
}

/**
 * One optimizer step on a batch; returns the batch's loss (composite + L2). The L2 penalties are
 * applied by the optimizer (penalties.ts), and the loss inputs are checked for NaN/Infinity only
 * when the step comes out non-finite (the optimizer then changed nothing): a check per step
 * would cost a device read in the middle of every step.
 */
export function trainStep(
  model: tf.LayersModel,
  optimizer: TrainingOptimizer,
  variables: tf.Variable[],
  t: ReturnType<typeof batchTensors>,
  lossOptions: ReturnType<typeof lossOptionsFor>,
): number {
  const penalties = l2Penalties(model);
  // Kept past variableGrads's own scope, for the diagnosis of a non-finite step.
  let outputs: Record<string, tf.Tensor> = {};
  try {
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        outputs = namedOutputs(model, model.apply([t.features, t.close], { training: true }) as tf.Tensor[]);
        Object.values(outputs).forEach((o) => tf.keep(o));
        return compositeTotal(outputs, { y: t.y, d: t.d }, { ...lossOptions, checkInputs: false });
      }, variables);
      const step = optimizer.apply(variables, variables.map((v) => grads[v.name]), variables.map((v) => penalties.get(v.name) ?? 0));
      const loss = value.dataSync()[0] + step.penalty;
      if (!step.applied || !Number.isFinite(loss)) {
        // The losses' own input check names the first non-finite input (and throws).
        tf.dispose(Object.values(toLossInputs(outputs, { y: t.y, d: t.d })));
        throw new Error(`training diverged: the loss became ${loss} (gradient norm ${step.norm}; ${step.applied ? 'this update was applied' : 'no weight was changed'}); `
          + 'lower training.learningRate or check the data');
      }
      return loss;
    });
  } finally {
    tf.dispose(Object.values(outputs));
  }
}
