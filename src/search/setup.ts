/**
 * From a pipeline config to the parts of a study: the parsed space (keys checked against the
 * config), the sampler, the pruner, and the walk-forward folds the trials train and score on.
 * The folds cover only bars before the chronological test split (less the embargo), so the
 * test split stays untouched until the chosen trial is evaluated on it once.
 */
import { ConfigError, getPath, setPath, validateConfig, type PipelineConfig } from '../config/index.js';
import type { SymbolCandles } from '../data/candles.js';
import { chronologicalSplit, walkForwardFolds, type Fold, type Split } from '../data/splits.js';
import { AshaPruner } from './pruners/asha.js';
import { GridSampler, RandomSampler, TpeSampler, type Sampler } from './samplers/index.js';
import { parseSpace, SpaceError, type Params, type SearchSpace } from './space.js';

/** Keys a search may not vary: they change which bars are compared or where results go. */
const FIXED = ['data.', 'split.', 'windows.horizons', 'search.', 'sweep.', 'output.', 'runtime.'];

export function searchSpaceOf(config: PipelineConfig): SearchSpace {
  try {
    const space = parseSpace(config.search.space);
    space.params.forEach((p, i) => {
      const current = getPath(config, p.key);
      if (current === undefined || (typeof current === 'object' && current !== null && !Array.isArray(current))) {
        throw new SpaceError(i, `${p.key} is not a config key (see ntp config --reference)`);
      }
      if (FIXED.some((f) => p.key === f || p.key.startsWith(f))) {
        throw new SpaceError(i, `${p.key} cannot be searched: trials must score the same bars (keys under ${FIXED.join(', ')} are fixed)`);
      }
    });
    return space;
  } catch (e) {
    if (e instanceof SpaceError) throw new ConfigError([{ key: e.index >= 0 ? `search.space[${e.index}]` : 'search.space', message: e.message }]);
    throw e;
  }
}

export function samplerOf(config: PipelineConfig, space: SearchSpace): Sampler {
  const s = config.search;
  if (s.sampler === 'grid') {
    try {
      return new GridSampler(space, s.seed);
    } catch (e) {
      throw new ConfigError([{ key: 'search.sampler', message: (e as Error).message }]);
    }
  }
  if (s.sampler === 'random') return new RandomSampler(space, s.seed);
  return new TpeSampler(space, s.seed, s.direction, s.tpe);
}

export function prunerOf(config: PipelineConfig): AshaPruner | null {
  return config.search.pruner === 'asha' ? new AshaPruner(config.search.asha) : null;
}

/** The base config with a trial's parameters applied, validated (ConfigError names the key). */
export function trialConfig(base: PipelineConfig, params: Params): PipelineConfig {
  let v = base as unknown as Record<string, unknown>;
  for (const [k, value] of Object.entries(params)) v = setPath(v, k, value);
  return validateConfig(v);
}

/** Walk-forward folds per symbol over the bars before each symbol's test split. */
export function searchFolds(series: readonly SymbolCandles[], config: PipelineConfig): Record<string, Fold[]> {
  const { lookback, horizons } = config.windows;
  const embargo = config.split.embargo;
  const maxH = Math.max(...horizons);
  return Object.fromEntries(series.map(({ symbol, candles }) => {
    const full = chronologicalSplit(candles.close.length, { lookback, horizons, embargo, fractions: [config.split.train, config.split.val, config.split.test] });
    // Complete ends of this length stop `embargo` ends before the first test end.
    const length = full.test.start - embargo + maxH;
    try {
      return [symbol, walkForwardFolds(length, { lookback, horizons, embargo, folds: config.search.folds, mode: config.split.walkForward.mode })];
    } catch (e) {
      throw new RangeError(`search: ${symbol} before its test split: ${(e as Error).message}; lower search.folds or use more bars`);
    }
  }));
}

/** A fold as a Dataset split: the fold's train ends for training, its test ends as validation. */
export function trialFoldSplit(length: number, fold: Fold, lookback: number, horizons: readonly number[], embargo: number): Split {
  const train = { start: Math.max(fold.train.start, lookback), end: fold.train.end };
  if (train.end - train.start < 1) throw new RangeError(`lookback ${lookback} leaves no training windows in a fold that trains on ends ${fold.train.start}..${fold.train.end}`);
  const none = { start: fold.test.end, end: fold.test.end };
  return { length, lookback, horizons: [...horizons], embargo, train, val: fold.test, test: none, inference: none };
}
