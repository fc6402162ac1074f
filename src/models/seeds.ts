/**
 * Seeds of a model's random ops (SPEC §7.3: same seed + same backend = same weights). Each model
 * owns its streams instead of sharing Math.random, so trainings in one process, interleaved or
 * not, cannot change each other's draws: buildModel seeds the initialisers from one stream, and
 * the trainer gives every epoch its own (reseedModel), which is what lets a resumed run replay
 * epoch e exactly. Dropout draws a fresh mask seed from its layer's stream on every training call.
 */
import type * as tf from '@tensorflow/tfjs';

import { deriveSeed, mulberry32 } from '../data/random.js';

export class SeedStream {
  private readonly next: () => number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`SeedStream: seed must be a finite number (got ${seed})`);
    this.next = mulberry32(seed);
  }

  /** A seed in [1, 2^32) for one tfjs random op or native kernel (tfjs treats 0 as "unseeded"). */
  draw(): number {
    return 1 + Math.floor(this.next() * 4294967295);
  }
}

/** A layer whose random ops draw from `seeds` (assigned by buildModel and reseedModel). */
export interface SeededLayer {
  seeds: SeedStream | null;
  readonly name: string;
}

/**
 * The next seed of `layer`'s stream. A layer no model seeded (one loaded from disk and trained
 * without reseedModel) gets a stream derived from its name: still reproducible, never global.
 */
export function drawSeed(layer: SeededLayer): number {
  layer.seeds ??= new SeedStream(deriveSeed(0, layer.name));
  return layer.seeds.draw();
}

function isSeeded(layer: unknown): layer is SeededLayer {
  return typeof layer === 'object' && layer !== null && 'seeds' in layer;
}

/** Points every seeded layer of `model` at one stream seeded from (seed, phase). */
export function reseedModel(model: tf.LayersModel, seed: number, phase: string): void {
  const stream = new SeedStream(deriveSeed(seed, phase));
  for (const layer of model.layers) if (isSeeded(layer)) layer.seeds = stream;
}
