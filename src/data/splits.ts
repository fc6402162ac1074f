/**
 * Chronological splits of window ends (SPEC §4). Ranges are half-open [start, end) over window
 * end bars of one series; windows never span two series, so multi-symbol datasets split each
 * symbol on its own.
 *
 * Only windows with a complete future (end + max(horizons) < length) are split into
 * train/val/test; the last max(horizons) ends form `inference` (kept for prediction).
 * Between consecutive parts lie `embargo` (default max(horizons)) ends that belong to no part,
 * so the last training target, ln(c[end + h] / c[end]), never reads a validation bar.
 */
export interface EndRange {
  start: number;
  end: number;
}

export interface SplitOptions {
  lookback: number;
  horizons: readonly number[];
  /** train, val, test; must sum to 1 (default 0.70 / 0.15 / 0.15). */
  fractions?: readonly [number, number, number];
  /** Ends left out between parts; at least max(horizons) (the default). */
  embargo?: number;
}

export interface Split {
  length: number;
  lookback: number;
  horizons: number[];
  embargo: number;
  train: EndRange;
  val: EndRange;
  test: EndRange;
  inference: EndRange;
}

export const DEFAULT_FRACTIONS: readonly [number, number, number] = [0.7, 0.15, 0.15];

function checkInt(v: unknown, name: string, min: number): number {
  if (typeof v !== 'number') throw new TypeError(`${name} must be a number (got ${typeof v})`);
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min} (got ${v})`);
  return v;
}

function common(where: string, length: number, o: SplitOptions): { T: number; maxH: number; embargo: number; complete: EndRange } {
  if (o === null || typeof o !== 'object') throw new TypeError(`${where}: options must be an object`);
  checkInt(length, `${where}: length`, 0);
  const T = checkInt(o.lookback, `${where}: lookback`, 1);
  if (!Array.isArray(o.horizons) || o.horizons.length === 0) throw new TypeError(`${where}: horizons must be a non-empty array of integers`);
  o.horizons.forEach((h, i) => checkInt(h, `${where}: horizons[${i}]`, 1));
  const maxH = Math.max(...o.horizons);
  const embargo = checkInt(o.embargo ?? maxH, `${where}: embargo`, maxH);
  return { T, maxH, embargo, complete: { start: T, end: Math.max(T, length - maxH) } };
}

export function chronologicalSplit(length: number, options: SplitOptions): Split {
  const { T, maxH, embargo, complete } = common('chronologicalSplit', length, options);
  const fractions = options.fractions ?? DEFAULT_FRACTIONS;
  if (!Array.isArray(fractions) || fractions.length !== 3 || fractions.some((f) => typeof f !== 'number' || !(f > 0))) {
    throw new RangeError(`chronologicalSplit: fractions must be three numbers > 0 (got ${JSON.stringify(fractions)})`);
  }
  const sum = fractions[0] + fractions[1] + fractions[2];
  if (Math.abs(sum - 1) > 1e-9) throw new RangeError(`chronologicalSplit: fractions must sum to 1 (got ${sum})`);
  const available = complete.end - complete.start - 2 * embargo;
  const nTrain = Math.floor(available * fractions[0]);
  const nVal = Math.floor(available * fractions[1]);
  const nTest = available - nTrain - nVal;
  if (nTrain < 1 || nVal < 1 || nTest < 1) {
    throw new RangeError(`chronologicalSplit: ${length} rows are too few for lookback ${T}, max horizon ${maxH} and embargo ${embargo} ` +
      `(train/val/test would get ${Math.max(0, nTrain)}/${Math.max(0, nVal)}/${Math.max(0, nTest)} windows)`);
  }
  const train = { start: complete.start, end: complete.start + nTrain };
  const val = { start: train.end + embargo, end: train.end + embargo + nVal };
  const test = { start: val.end + embargo, end: complete.end };
  return {
    length, lookback: T, horizons: [...options.horizons], embargo, train, val, test,
    inference: { start: Math.max(T, complete.end), end: Math.max(T, length) },
  };
}

/** Every complete window in `test` (train and val empty): `ntp evaluate --split none`. */
export function wholeSplit(length: number, options: Omit<SplitOptions, 'fractions'>): Split {
  const { T, embargo, complete } = common('wholeSplit', length, options);
  if (complete.end <= complete.start) {
    throw new RangeError(`wholeSplit: ${length} rows have no window with a complete future (lookback ${T}, max horizon ${Math.max(...options.horizons)})`);
  }
  const none = { start: complete.start, end: complete.start };
  return {
    length, lookback: T, horizons: [...options.horizons], embargo, train: none, val: none, test: complete,
    inference: { start: complete.end, end: Math.max(T, length) },
  };
}

export interface WalkForwardOptions extends Omit<SplitOptions, 'fractions'> {
  folds: number;
  mode?: 'expanding' | 'rolling';
  /**
   * Share of the complete ends before the first test block (split.walkForward.initialTrain);
   * the rest is cut into `folds` equal test blocks. Default: folds + 1 equal blocks.
   */
  initialTrain?: number;
  /** Training ends per fold in rolling mode (default: the first fold's). */
  trainWindows?: number;
}

export interface Fold {
  train: EndRange;
  test: EndRange;
}

/**
 * Walk-forward folds: the complete ends are cut into an initial block and `folds` equal test
 * blocks; fold i tests on block i + 1 and trains on the ends before it, less the embargo (so its
 * last training target, at end + max(horizons), is before its first test bar): all of them
 * (expanding) or the last `trainWindows` (rolling). Test blocks tile the ends after the first.
 */
export function walkForwardFolds(length: number, options: WalkForwardOptions): Fold[] {
  const { embargo, complete, T, maxH } = common('walkForwardFolds', length, options);
  const folds = checkInt(options.folds, 'walkForwardFolds: folds', 1);
  const mode = options.mode ?? 'expanding';
  if (mode !== 'expanding' && mode !== 'rolling') throw new RangeError(`walkForwardFolds: mode must be "expanding" or "rolling" (got "${String(mode)}")`);
  const count = complete.end - complete.start;
  const { initialTrain } = options;
  if (initialTrain !== undefined && !(initialTrain > 0 && initialTrain < 1)) {
    throw new RangeError(`walkForwardFolds: initialTrain must be a fraction in (0, 1) (got ${initialTrain})`);
  }
  const initial = initialTrain === undefined ? Math.floor(count / (folds + 1)) : Math.floor(count * initialTrain);
  const block = initialTrain === undefined ? initial : Math.floor((count - initial) / folds);
  if (initial - embargo < 1 || block < 1) {
    throw new RangeError(`walkForwardFolds: ${length} rows are too few for ${folds} folds with lookback ${T}, max horizon ${maxH} and embargo ${embargo}`);
  }
  const trainWindows = checkInt(options.trainWindows ?? (initialTrain === undefined ? block : initial - embargo), 'walkForwardFolds: trainWindows', 1);
  return Array.from({ length: folds }, (_, i) => {
    const first = complete.start + initial + i * block;
    const test = { start: first, end: i === folds - 1 ? complete.end : first + block };
    const trainEnd = test.start - embargo;
    return { train: { start: mode === 'expanding' ? complete.start : Math.max(complete.start, trainEnd - trainWindows), end: trainEnd }, test };
  });
}

/**
 * A fold as the parts training reads: its training ends less the last `valFraction` of them
 * (after an embargo) for validation (early stopping, the best checkpoint), its test block as test.
 */
export function foldSplit(length: number, fold: Fold, options: Omit<SplitOptions, 'fractions'> & { valFraction: number }): Split {
  const { T, embargo, complete } = common('foldSplit', length, options);
  const n = fold.train.end - fold.train.start - embargo;
  const nVal = Math.floor(n * options.valFraction);
  if (!(options.valFraction > 0 && options.valFraction < 1) || nVal < 1 || n - nVal < 1) {
    throw new RangeError(`foldSplit: the fold's ${fold.train.end - fold.train.start} training ends are too few for a validation share of ${options.valFraction} and embargo ${embargo}`);
  }
  const train = { start: fold.train.start, end: fold.train.start + n - nVal };
  return {
    length, lookback: T, horizons: [...options.horizons], embargo, train, val: { start: train.end + embargo, end: fold.train.end },
    test: fold.test, inference: { start: Math.max(T, complete.end), end: Math.max(T, length) },
  };
}

/** The window ends of a range as an Int32Array. */
export function rangeEnds(r: EndRange): Int32Array {
  const out = new Int32Array(Math.max(0, r.end - r.start));
  for (let i = 0; i < out.length; i++) out[i] = r.start + i;
  return out;
}
