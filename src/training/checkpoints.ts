/**
 * Checkpoints (SPEC §7.3): the model, the optimizer's state and the trainer's state after an
 * epoch, in one directory that appears atomically: it is written under a temporary name and
 * renamed into place, and the previous one is kept as `<name>.old` until the new one is in
 * place, so a kill at any moment leaves a loadable checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { loadModel, saveModel } from '../models/index.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.js';
import type { EarlyStoppingState } from './early-stopping.js';

export interface TrainerState {
  /** Last completed epoch (0-based). */
  epoch: number;
  earlyStopping: EarlyStoppingState;
  history: Record<string, number>[];
  /** Adam's running beta powers, saved exactly (setWeights would recompute them with pow). */
  adamBetaPowers?: [number, number];
}

const OPTIMIZER_BIN = 'optimizer.bin';
const OPTIMIZER_JSON = 'optimizer.json';
const STATE_JSON = 'state.json';

interface OptimizerManifest { weights: { name: string; shape: number[] }[] }

/** Adam keeps its beta powers in private variables; only these two fields are touched. */
type AdamInternals = { accBeta1?: tf.Variable; accBeta2?: tf.Variable };

export async function saveCheckpoint(dir: string, model: tf.LayersModel, optimizer: tf.Optimizer, state: TrainerState): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await saveModel(model, join(tmp, 'model'));
  const weights = await optimizer.getWeights();
  const manifest: OptimizerManifest = { weights: weights.map((w) => ({ name: w.name, shape: w.tensor.shape })) };
  const parts = weights.map((w) => Buffer.from((w.tensor.dataSync() as Float32Array).buffer.slice(0)));
  writeFileAtomic(join(tmp, OPTIMIZER_BIN), Buffer.concat(parts));
  writeJsonAtomic(join(tmp, OPTIMIZER_JSON), manifest);
  const adam = optimizer as unknown as AdamInternals;
  const betas = adam.accBeta1 && adam.accBeta2
    ? [adam.accBeta1.dataSync()[0], adam.accBeta2.dataSync()[0]] as [number, number] : undefined;
  writeJsonAtomic(join(tmp, STATE_JSON), { ...state, adamBetaPowers: betas });
  const old = `${dir}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

/** The checkpoint directory to load: `dir`, or `dir.old` when a kill struck between renames. */
export function findCheckpoint(dir: string): string | null {
  for (const d of [dir, `${dir}.old`]) if (existsSync(join(d, STATE_JSON))) return d;
  return null;
}

export async function loadCheckpoint(dir: string, optimizer: tf.Optimizer): Promise<{ model: tf.LayersModel; state: TrainerState }> {
  const found = findCheckpoint(dir);
  if (!found) throw new Error(`no checkpoint in ${dir} (expected ${join(dir, STATE_JSON)})`);
  const model = await loadModel(join(found, 'model'));
  const state = JSON.parse(readFileSync(join(found, STATE_JSON), 'utf8')) as TrainerState;
  const manifest = JSON.parse(readFileSync(join(found, OPTIMIZER_JSON), 'utf8')) as OptimizerManifest;
  const bin = readFileSync(join(found, OPTIMIZER_BIN));
  const floats = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  let off = 0;
  const named = manifest.weights.map((w) => {
    const size = w.shape.reduce((a, b) => a * b, 1);
    const tensor = tf.tensor(floats.subarray(off, off + size), w.shape);
    off += size;
    return { name: w.name, tensor };
  });
  if (off !== floats.length) throw new Error(`${join(found, OPTIMIZER_BIN)} holds ${floats.length} values, the manifest ${off}`);
  await optimizer.setWeights(named);
  const adam = optimizer as unknown as AdamInternals;
  if (state.adamBetaPowers && adam.accBeta1 && adam.accBeta2) {
    adam.accBeta1.assign(tf.scalar(state.adamBetaPowers[0]));
    adam.accBeta2.assign(tf.scalar(state.adamBetaPowers[1]));
  }
  return { model, state };
}
