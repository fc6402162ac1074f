/**
 * Checkpoints (SPEC §7.3): the model, the optimizer's state and the trainer's state after an
 * epoch, in one directory that appears atomically: it is written under a temporary name and
 * renamed into place, and the previous one is kept as `<name>.old` until the new one is in
 * place, so a kill at any moment leaves a loadable checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { loadModel, saveModel } from '../models/index.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.js';
import { readJsonFile } from '../util/read-json.js';
import type { EarlyStoppingState } from './early-stopping.js';
import type { OptimizerState, TrainingOptimizer } from './optimizer.js';

export interface TrainerState {
  /** Last completed epoch (0-based). */
  epoch: number;
  earlyStopping: EarlyStoppingState;
  history: Record<string, number>[];
}

const OPTIMIZER_BIN = 'optimizer.bin';
const OPTIMIZER_JSON = 'optimizer.json';
const STATE_JSON = 'state.json';

interface OptimizerManifest {
  kind: OptimizerState['kind'];
  scalars: Record<string, number>;
  arrays: { name: string; shape: number[] }[];
}

export async function saveCheckpoint(dir: string, model: tf.LayersModel, optimizer: TrainingOptimizer, state: TrainerState): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  // Also the temporaries of killed writers (a resumed run continues in their directory).
  const parent = dirname(dir);
  if (existsSync(parent)) for (const name of readdirSync(parent)) if (name.startsWith(`${basename(dir)}.tmp-`)) rmSync(join(parent, name), { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await saveModel(model, join(tmp, 'model'));
  const o = await optimizer.state();
  const manifest: OptimizerManifest = { kind: o.kind, scalars: o.scalars, arrays: o.arrays.map((a) => ({ name: a.name, shape: a.shape })) };
  writeFileAtomic(join(tmp, OPTIMIZER_BIN), Buffer.concat(o.arrays.map((a) => Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength))));
  writeJsonAtomic(join(tmp, OPTIMIZER_JSON), manifest);
  writeJsonAtomic(join(tmp, STATE_JSON), state);
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

/** The model and trainer state of a checkpoint; the optimizer is restored in place. */
export async function loadCheckpoint(dir: string, optimizer: TrainingOptimizer): Promise<{ model: tf.LayersModel; state: TrainerState }> {
  const found = findCheckpoint(dir);
  if (!found) throw new Error(`no checkpoint in ${dir} (expected ${join(dir, STATE_JSON)})`);
  const model = await loadModel(join(found, 'model'));
  const state = readJsonFile<TrainerState>(join(found, STATE_JSON));
  const manifest = readJsonFile<OptimizerManifest>(join(found, OPTIMIZER_JSON));
  if (manifest.kind !== optimizer.kind) {
    throw new Error(`${found} was written by the ${manifest.kind} optimizer but this run uses ${optimizer.kind}: resume with the same runtime.nativeKernels and backend`);
  }
  const bin = readFileSync(join(found, OPTIMIZER_BIN));
  const floats = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  let off = 0;
  const arrays = manifest.arrays.map((a) => {
    const size = a.shape.reduce((x, y) => x * y, 1);
    const data = floats.slice(off, off + size);
    off += size;
    return { ...a, data };
  });
  if (off !== floats.length) throw new Error(`${join(found, OPTIMIZER_BIN)} holds ${floats.length} values, the manifest ${off}`);
  await optimizer.restore({ kind: manifest.kind, scalars: manifest.scalars, arrays }, model.trainableWeights.map((w) => w.read() as tf.Variable));
  return { model, state };
}
