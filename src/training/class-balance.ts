/**
 * Class balance of the direction head (issue 17): the share of up labels per horizon in the
 * training split, and the focal alpha that weighs both classes equally,
 * alpha_h = 1 - up_h, so alpha_h * n_up = (1 - alpha_h) * n_down. With a fixed alpha (SPEC's
 * 0.7 favours up) a head on a rising market learns the prior and calls every window up.
 */
import type { Candles } from '../data/candles.js';
import type { Dataset } from '../data/dataset.js';

/** Per horizon: the fraction of training windows whose close k bars later is higher (label 1). */
export function trainingUpFractions(dataset: Dataset, candles: readonly Candles[]): number[] {
  const { symbols, ends } = dataset.refs.train;
  if (ends.length === 0) throw new Error('class balance: the training split has no windows');
  return dataset.horizons.map((k) => {
    let up = 0;
    for (let i = 0; i < ends.length; i++) {
      const c = candles[symbols[i]].close;
      if (c[ends[i] + k] > c[ends[i]]) up++;
    }
    return up / ends.length;
  });
}

/** alpha_h = 1 - up_h, kept inside [0.05, 0.95] so a one-sided split cannot zero a class. */
export function balancedFocalAlpha(upFractions: readonly number[]): number[] {
  return upFractions.map((u) => Math.min(0.95, Math.max(0.05, 1 - u)));
}
