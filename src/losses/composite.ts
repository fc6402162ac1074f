/**
 * The composite training loss (SPEC §7.1): a weighted sum of the price, direction, variance
 * and trend terms. Each term is looked up by name in the loss registry, so a config can swap
 * e.g. focal for bce. Per-horizon terms are summed over horizons with per-horizon weights (as
 * a multi-output model sums its outputs' losses); the trend term spans all horizons at once.
 */
import * as tf from '@tensorflow/tfjs';
import { type LossInputOptions, type LossInputs, type LossTargets, type ModelOutputs, toLossInputs } from './inputs.js';
import { assertNonNegative } from './options.js';
import { DEFAULT_LOSS_PARAMS, type LossParams, lossRegistry } from './registry.js';

export const TERMS = ['price', 'direction', 'variance', 'trend'] as const;
export type Term = (typeof TERMS)[number];

export const DEFAULT_TERM_WEIGHTS: Readonly<Record<Term, number>> = { price: 1.0, direction: 1.0, variance: 0.5, trend: 0.2 };
export const DEFAULT_TERM_LOSSES: Readonly<Record<Term, string>> = {
  price: 'huber',
  direction: 'focal',
  variance: 'gaussian_nll',
  trend: 'trend_extended',
};

export interface CompositeLossOptions extends LossInputOptions {
  /** Weight of each term in the total (defaults: price 1, direction 1, variance 0.5, trend 0.2). */
  weights?: Partial<Record<Term, number>>;
  /** Weight of each horizon in the per-horizon terms, length H (default all 1). */
  horizonWeights?: readonly number[];
  /** Registry name of the loss for each term (defaults in DEFAULT_TERM_LOSSES). */
  losses?: Partial<Record<Term, string>>;
  /** Huber delta, focal alpha/gamma, trend tau (defaults in DEFAULT_LOSS_PARAMS). */
  params?: Partial<LossParams>;
}

export interface CompositeLoss {
  /** sum over terms of weight * term. */
  total: tf.Scalar;
  /** Each term before its term weight (horizon weights applied), for logging and weight calibration. */
  terms: Record<Term, tf.Scalar>;
  /** The batch-mean loss of each horizon, [H], for terms whose loss is per horizon (all but trend by default). */
  perHorizon: Partial<Record<Term, tf.Tensor1D>>;
}

/** Composite-loss options with their defaults filled in. */
export interface ResolvedComposite {
  weights: Record<Term, number>;
  names: Record<Term, string>;
  horizonWeights: readonly number[];
  params: LossParams;
}

/** The options resolved for `horizons` horizons (compositeFromInputs, losses/fused.ts); throws naming a bad weight. */
export function resolveComposite(options: CompositeLossOptions, horizons: number): ResolvedComposite {
  const weights = { ...DEFAULT_TERM_WEIGHTS, ...options.weights };
  const names = { ...DEFAULT_TERM_LOSSES, ...options.losses };
  const horizonWeights = options.horizonWeights ?? new Array<number>(horizons).fill(1);
  if (horizonWeights.length !== horizons) {
    throw new RangeError(`horizonWeights has ${horizonWeights.length} entries, expected ${horizons} (one per horizon)`);
  }
  horizonWeights.forEach((w, h) => assertNonNegative(`horizonWeights[${h}]`, w));
  for (const term of TERMS) assertNonNegative(`weights.${term}`, weights[term]);
  return { weights, names, horizonWeights, params: { ...DEFAULT_LOSS_PARAMS, ...options.params } };
}

/** The composite loss from already-stacked [B, H] inputs (see toLossInputs). */
export function compositeFromInputs(x: LossInputs, options: CompositeLossOptions = {}): CompositeLoss {
  const horizons = x.y.shape[1];
  const { weights, names, horizonWeights, params } = resolveComposite(options, horizons);
  const fns = TERMS.map((term) => lossRegistry.get(names[term]));
  return tf.tidy(() => {
    const hw = tf.tensor1d(horizonWeights as number[]);
    const terms = {} as Record<Term, tf.Scalar>;
    const perHorizon: Partial<Record<Term, tf.Tensor1D>> = {};
    TERMS.forEach((term, k) => {
      const value = fns[k](x, params);
      if (value.rank === 0) {
        terms[term] = value as tf.Scalar;
      } else if (value.rank === 1 && value.shape[0] === horizons) {
        perHorizon[term] = value as tf.Tensor1D;
        terms[term] = tf.sum(tf.mul(value, hw));
      } else {
        throw new RangeError(`loss '${names[term]}' (term ${term}) returned shape [${value.shape.join(', ')}], expected [] or [${horizons}]`);
      }
    });
    const total = tf.addN(TERMS.map((term) => tf.mul(weights[term], terms[term]))) as tf.Scalar;
    return { total, terms, perHorizon };
  });
}

/** The composite loss of the named model outputs against the targets (shapes in inputs.ts). */
export function compositeLoss(outputs: ModelOutputs, targets: LossTargets, options: CompositeLossOptions = {}): CompositeLoss {
  const x = toLossInputs(outputs, targets, options);
  try {
    return compositeFromInputs(x, options);
  } finally {
    tf.dispose(Object.values(x));
  }
}
