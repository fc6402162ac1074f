/**
 * Saving and loading a tfjs LayersModel to a directory on Node without tfjs-node (whose `file://`
 * handler is unavailable on the pure `cpu` backend). The layout is tfjs's own: `model.json`
 * (topology + weightsManifest) and `weights.bin`, so tfjs-node and the converter read it too.
 *
 * Writes are atomic (SPEC §11): everything goes to a temporary sibling directory that replaces
 * the target with a rename, so a crash leaves either the old model or the new one, never a mix.
 * Loading needs nothing but this package: importing it registers every custom layer.
 */
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

import { writePoint } from '../util/fault.js';
import { namedFsError } from '../util/fs-errors.js';

// Side-effect imports: register the custom layers a saved model may reference.
import './fused-dense.js';
import './fused-lstm.js';
import './attention.js';
import './small-layers.js';
import '../indicators/learnable-indicators.js';

const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

interface ModelJson {
  modelTopology: tf.io.ModelArtifacts['modelTopology'];
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: tf.io.TrainingConfig;
  userDefinedMetadata?: Record<string, unknown>;
}

function fileHandler(dir: string): tf.io.IOHandler {
  return {
    save: async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error(`saveModel(${dir}): binary topologies are not supported`);
      const weightData = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata as Record<string, unknown> } : {}),
      };
      await writeDirAtomically(dir, {
        [MODEL_FILE]: Buffer.from(JSON.stringify(json)),
        [WEIGHTS_FILE]: Buffer.from(weightData),
      });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** Writes `files` into a fresh temporary sibling of `dir`, then swaps it into place. */
async function writeDirAtomically(dir: string, files: Record<string, Buffer>): Promise<void> {
  const parent = dirname(dir);
  await fs.mkdir(parent, { recursive: true });
  const tag = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = join(parent, `.${basename(dir)}.tmp-${tag}`);
  const old = join(parent, `.${basename(dir)}.old-${tag}`);
  await fs.mkdir(tmp);
  try {
    for (const [name, data] of Object.entries(files)) {
      const fh = await fs.open(join(tmp, name), 'w');
      try {
        writePoint(join(dir, name));
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    const existed = await fs.stat(dir).then(() => true, () => false);
    if (existed) await fs.rename(dir, old);
    await fs.rename(tmp, dir);
    if (existed) await fs.rm(old, { recursive: true, force: true });
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw namedFsError(e, dir, 'write');
  }
}

/** Saves `model` (topology, weights, optimizer-free) to directory `dir`, atomically. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(fileHandler(dir));
}

async function readModelJson(dir: string): Promise<ModelJson> {
  const path = join(dir, MODEL_FILE);
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`loadModel: cannot read ${path}: ${(e as Error).message}`);
  }
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (e) {
    throw new Error(`loadModel: ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || !json.modelTopology) throw new Error(`loadModel: ${path} has no modelTopology`);
  if (!Array.isArray(json.weightsManifest)) throw new Error(`loadModel: ${path} has no weightsManifest`);
  return json;
}

/** Loads a model saved by saveModel (or any tfjs model.json + weight files) from `dir`. */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const json = await readModelJson(dir);
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const path = join(dir, p);
      try {
        buffers.push(await fs.readFile(path));
      } catch (e) {
        throw new Error(`loadModel: missing weight file ${path}: ${(e as Error).message}`);
      }
    }
  }
  const data = Buffer.concat(buffers);
  let expected = 0;
  for (const w of weightSpecs) {
    const bytes = DTYPE_BYTES[w.dtype];
    if (!bytes || w.quantization) throw new Error(`loadModel: weight ${w.name} has unsupported dtype/quantization (${w.dtype})`);
    expected += bytes * w.shape.reduce((a, b) => a * b, 1);
  }
  if (data.byteLength !== expected) {
    throw new Error(`loadModel: ${dir} weight data is ${data.byteLength} bytes but the manifest describes ${expected} (truncated or mismatched weights)`);
  }
  const weightData = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology, weightSpecs, weightData,
      ...(json.trainingConfig ? { trainingConfig: json.trainingConfig } : {}),
      ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata as object } : {}),
    }), { strict: true });
  } catch (e) {
    throw new Error(`loadModel(${dir}): ${(e as Error).message}`);
  }
}
