/**
 * The model factory's ModelConfig from the pipeline config: its `model` section as is, plus the
 * data shape: the one place where configuration meets the network's sizes.
 */
import { existsSync, readFileSync } from 'node:fs';

import type { PipelineConfig } from '../config/index.js';
import type { ModelConfig } from '../models/index.js';
import { runPaths } from './run-dir.js';

export function modelConfigFor(config: PipelineConfig, features: number, horizons: number): ModelConfig {
  return { ...structuredClone(config.model), lookback: config.windows.lookback, features, horizons, lstmImplementation: 'auto' };
}

/**
 * Composite-loss options from the config's `losses` section. `balancedAlpha` (per horizon, from
 * the training split, saved in the run's run.json) replaces `losses.focal.alpha` when
 * `losses.focal.balance` is on; see runLossOptions for a trained run's options.
 */
export function lossOptionsFor(config: PipelineConfig, balancedAlpha?: readonly number[]) {
  const l = config.losses;
  const focalAlpha: number | readonly number[] = l.focal.balance && balancedAlpha ? balancedAlpha : l.focal.alpha;
  return {
    weights: { ...l.weights },
    horizonWeights: [...l.horizonWeights],
    losses: { trend: `trend_${l.trend.variant}` },
    params: { huberDelta: l.huberDelta, focalAlpha, focalGamma: l.focal.gamma, trendTau: l.trend.tau },
  };
}

/** The loss options a trained run used: its config plus the focal alphas saved in run.json. */
export function runLossOptions(runDir: string, config: PipelineConfig) {
  const meta = runPaths(runDir).meta;
  const saved = existsSync(meta) ? (JSON.parse(readFileSync(meta, 'utf8')) as RunMeta).direction?.focalAlpha : undefined;
  return lossOptionsFor(config, saved ?? undefined);
}

/** The part of run.json the loss options read. */
export interface RunMeta {
  /** focalAlpha is null when losses.focal.balance was off. */
  direction?: { upFraction: number[]; focalAlpha: number[] | null };
}
