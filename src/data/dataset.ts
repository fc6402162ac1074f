/**
 * Window dataset and batch iterator (SPEC §4). Each symbol is split chronologically on its own
 * (windows never span two symbols); a part (train/val/test/inference) is the list of
 * (symbol, end) pairs of all symbols. Batches are gathered by the native windowing kernel
 * from the candles (no per-window JS arrays) and the next batch is built off the JS thread
 * while the caller consumes the current one.
 *
 * - Shuffling (seeded, per epoch) and Gaussian input noise apply to the training part only.
 * - The scaler is fit on the training windows of every symbol (pooled) unless one is given.
 * - Targets are ln(c[end + h] / c[end]) divided by the scaler's train std per horizon;
 *   `direction` is 1 when the target is > 0, else 0 (NaN where the future is unknown, which
 *   happens only in the inference part).
 */
import type { Candles, SymbolCandles } from './candles.js';
import { DEFAULT_FEATURES } from './features.js';
import { Rng } from './random.js';
import { assertNoLeakage, fitScaler, scaleTargets, type Scaler, type ScalerKind } from './scaler.js';
import { chronologicalSplit, rangeEnds, type Split } from './splits.js';
import { buildWindowsAsync, DEFAULT_HORIZONS, DEFAULT_LOOKBACK } from './windowing.js';
import type { NativeDevice } from '../native/types.js';

export const DEFAULT_BATCH_SIZE = 144;
export const PARTS = ['train', 'val', 'test', 'inference'] as const;
/** Longest stretch of batches handed out without letting the event loop turn (see Dataset.batches). */
const EVENT_LOOP_TURN_MS = 100;
export type Part = (typeof PARTS)[number];

export interface DatasetOptions {
  lookback?: number;
  features?: readonly string[];
  horizons?: readonly number[];
  fractions?: readonly [number, number, number];
  embargo?: number;
  /** Explicit parts per symbol instead of the chronological split (walk-forward folds, `--split none`). */
  splits?: Readonly<Record<string, Split>>;
  /** A kind to fit on the training windows (default 'standard'), a fitted scaler, or null for none. */
  scaler?: ScalerKind | Scaler | null;
  batchSize?: number;
  /** Shuffle the training part each epoch (default true). */
  shuffle?: boolean;
  /** Std of Gaussian noise added to training inputs (default 0: none). */
  noiseStd?: number;
  seed?: number;
  device?: NativeDevice;
}

/** (symbol, end) pairs: symbols[i] indexes `Dataset.symbols`. */
export interface WindowRefs {
  symbols: Int32Array;
  ends: Int32Array;
}

export interface Batch {
  features: Float32Array; // [B, T, F]
  close: Float32Array; // [B, T]
  targets: Float32Array; // [B, H]
  direction: Float32Array; // [B, H]
  symbols: Int32Array; // [B]
  ends: Int32Array; // [B]
  size: number;
  T: number;
  F: number;
  H: number;
}

function mix(...xs: number[]): number {
  // FNV-style mix of small integers into one 32-bit seed.
  let h = 2166136261;
  for (const x of xs) h = Math.imul(h ^ (x >>> 0), 16777619) ^ (h >>> 15);
  return h >>> 0;
}

export class Dataset {
  readonly symbols: string[];
  readonly splits: Record<string, Split>;
  readonly scaler: Scaler | null;
  readonly refs: Record<Part, WindowRefs>;
  readonly lookback: number;
  readonly features: string[];
  readonly horizons: number[];
  readonly batchSize: number;
  private readonly candles: Candles[];
  private readonly shuffle: boolean;
  private readonly noiseStd: number;
  private readonly seed: number;
  private readonly device: NativeDevice | undefined;

  constructor(series: readonly SymbolCandles[], options: DatasetOptions = {}) {
    if (!Array.isArray(series) || series.length === 0) throw new TypeError('Dataset: series must be a non-empty array of {symbol, candles}');
    this.symbols = series.map((s) => s.symbol);
    const dup = this.symbols.find((s, i) => this.symbols.indexOf(s) !== i);
    if (dup !== undefined) throw new RangeError(`Dataset: symbol "${dup}" appears twice`);
    this.candles = series.map((s) => s.candles);
    this.lookback = options.lookback ?? DEFAULT_LOOKBACK;
    this.features = [...(options.features ?? DEFAULT_FEATURES)];
    this.horizons = [...(options.horizons ?? DEFAULT_HORIZONS)];
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new RangeError(`Dataset: batchSize must be an integer >= 1 (got ${this.batchSize})`);
    this.noiseStd = options.noiseStd ?? 0;
    if (!(Number.isFinite(this.noiseStd) && this.noiseStd >= 0)) throw new RangeError(`Dataset: noiseStd must be a finite number >= 0 (got ${this.noiseStd})`);
    this.shuffle = options.shuffle ?? true;
    this.seed = options.seed ?? 42;
    // Batches are consumed from host memory (tf.tensor uploads them to whatever device the model
    // runs on), so windowing on a GPU would only add a round trip: the CPU unless asked.
    this.device = options.device ?? 'cpu';

    this.splits = {};
    for (const { symbol, candles } of series) {
      const given = options.splits?.[symbol];
      if (options.splits && !given) throw new RangeError(`Dataset: splits has no entry for symbol "${symbol}"`);
      if (given) {
        if (given.length !== candles.close.length) throw new RangeError(`Dataset: symbol "${symbol}": the given split is for ${given.length} bars, the series has ${candles.close.length}`);
        if (given.lookback !== this.lookback || given.train.start < this.lookback) {
          throw new RangeError(`Dataset: the split of "${symbol}" is for lookback ${given.lookback} (train from ${given.train.start}), not ${this.lookback}`);
        }
        this.splits[symbol] = given;
        continue;
      }
      try {
        this.splits[symbol] = chronologicalSplit(candles.close.length, {
          lookback: this.lookback, horizons: this.horizons, fractions: options.fractions, embargo: options.embargo,
        });
      } catch (e) {
        const Kind = e instanceof TypeError ? TypeError : RangeError;
        throw new Kind(`Dataset: symbol "${symbol}": ${(e as Error).message}`);
      }
    }
    this.refs = Object.fromEntries(PARTS.map((part) => [part, this.collect(part)])) as Record<Part, WindowRefs>;

    const scaler = options.scaler === undefined ? 'standard' : options.scaler;
    if (scaler === null) this.scaler = null;
    else if (typeof scaler === 'string') {
      this.scaler = fitScaler(series.map(({ symbol, candles }) => ({ symbol, candles, ends: rangeEnds(this.splits[symbol].train) })), {
        kind: scaler, features: this.features, lookback: this.lookback, horizons: this.horizons,
      });
      assertNoLeakage(this.scaler, this.splits);
    } else {
      const same = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);
      if (!same(scaler.features, this.features) || !same(scaler.horizons, this.horizons) || scaler.lookback !== this.lookback) {
        throw new RangeError(`Dataset: the scaler was fit for lookback ${scaler.lookback}, horizons [${scaler.horizons.join(', ')}], ` +
          `features [${scaler.features.join(', ')}], not lookback ${this.lookback}, horizons [${this.horizons.join(', ')}], features [${this.features.join(', ')}]`);
      }
      this.scaler = scaler;
    }
  }

  private collect(part: Part): WindowRefs {
    const ranges = this.symbols.map((s) => this.splits[s][part]);
    const total = ranges.reduce((n, r) => n + (r.end - r.start), 0);
    const refs = { symbols: new Int32Array(total), ends: new Int32Array(total) };
    let k = 0;
    ranges.forEach((r, s) => {
      for (let e = r.start; e < r.end; e++, k++) { refs.symbols[k] = s; refs.ends[k] = e; }
    });
    return refs;
  }

  batchCount(part: Part): number {
    return Math.ceil(this.refs[part].ends.length / this.batchSize);
  }

  /**
   * Batches of `part`; for the training part, `epoch` selects the shuffle order and noise.
   * Between batches the event loop gets a turn at least every EVENT_LOOP_TURN_MS, so timers and
   * I/O run during a long epoch (a queue worker renews its job lock; without it an epoch of
   * tfjs cpu work would hold the loop for its whole length).
   */
  async *batches(part: Part, { epoch = 0 } = {}): AsyncGenerator<Batch> {
    if (!PARTS.includes(part)) throw new RangeError(`Dataset.batches: part must be one of ${PARTS.join(', ')} (got "${String(part)}")`);
    const refs = this.refs[part];
    const order = Int32Array.from({ length: refs.ends.length }, (_, i) => i);
    const training = part === 'train';
    if (training && this.shuffle) new Rng(mix(this.seed, epoch)).shuffle(order);
    const count = this.batchCount(part);
    const prefetch = (b: number): Promise<Batch> => {
      const p = this.gather(refs, order, b, training, epoch);
      // Marks a failure as handled until it is awaited, which may be never if the caller stops early.
      p.catch(() => undefined);
      return p;
    };
    let next = count > 0 ? prefetch(0) : null;
    let turn = performance.now();
    for (let b = 0; b < count; b++) {
      if (performance.now() - turn > EVENT_LOOP_TURN_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        turn = performance.now();
      }
      const current: Batch = await next!;
      // Start building the next batch before handing this one out.
      next = b + 1 < count ? prefetch(b + 1) : null;
      yield current;
    }
  }

  private async gather(refs: WindowRefs, order: Int32Array, b: number, training: boolean, epoch: number): Promise<Batch> {
    const picked = order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize));
    // Group by symbol (stable) so each symbol's windows are built by one kernel call.
    const rows = Array.from(picked).sort((x, y) => refs.symbols[x] - refs.symbols[y]);
    const B = rows.length, T = this.lookback, F = this.features.length, H = this.horizons.length;
    const batch: Batch = {
      features: new Float32Array(B * T * F), close: new Float32Array(B * T), targets: new Float32Array(B * H),
      direction: new Float32Array(B * H), symbols: Int32Array.from(rows, (r) => refs.symbols[r]),
      ends: Int32Array.from(rows, (r) => refs.ends[r]), size: B, T, F, H,
    };
    const calls: Promise<unknown>[] = [];
    for (let start = 0; start < B;) {
      const s = batch.symbols[start];
      let end = start;
      while (end < B && batch.symbols[end] === s) end++;
      calls.push(buildWindowsAsync(this.candles[s], {
        lookback: T, features: this.features, horizons: this.horizons, ends: batch.ends.subarray(start, end),
        scaler: this.scaler ?? undefined, device: this.device,
        out: {
          features: batch.features.subarray(start * T * F, end * T * F),
          close: batch.close.subarray(start * T, end * T),
          targets: batch.targets.subarray(start * H, end * H),
        },
      }));
      start = end;
    }
    await Promise.all(calls);
    for (let i = 0; i < batch.targets.length; i++) {
      const y = batch.targets[i];
      batch.direction[i] = Number.isNaN(y) ? NaN : y > 0 ? 1 : 0;
    }
    if (this.scaler) scaleTargets(batch.targets, this.scaler);
    if (training && this.noiseStd > 0) {
      const rng = new Rng(mix(this.seed, epoch, b, 0x9015e));
      for (let i = 0; i < batch.features.length; i++) batch.features[i] += this.noiseStd * rng.normal();
    }
    return batch;
  }
}
