/**
 * Early stopping on a monitored metric (default `val_dir_mcc_h1`, mode max, patience 40).
 * Its state is plain data so checkpoints can save it and a resumed run continues the count.
 */
export interface EarlyStoppingState {
  monitor: string;
  mode: 'min' | 'max';
  patience: number;
  best: number | null;
  bestEpoch: number | null;
  wait: number;
}

export function createEarlyStopping(monitor: string, mode: 'min' | 'max', patience: number): EarlyStoppingState {
  if (!Number.isInteger(patience) || patience < 0) {
    throw new RangeError(`training.patience must be an integer >= 0 (got ${patience})`);
  }
  return { monitor, mode, patience, best: null, bestEpoch: null, wait: 0 };
}

/**
 * Records epoch `epoch`'s logs; returns whether the monitored value improved (a new best) and
 * whether training should stop. A missing or NaN monitored value never counts as improvement.
 */
export function observeEpoch(
  s: EarlyStoppingState,
  epoch: number,
  logs: Record<string, number>,
): { improved: boolean; stop: boolean } {
  if (!(s.monitor in logs)) {
    throw new Error(`early stopping monitors "${s.monitor}", which is not among the epoch logs: ${Object.keys(logs).join(', ')}`);
  }
  const v = logs[s.monitor];
  const improved = Number.isFinite(v) && (s.best === null || (s.mode === 'max' ? v > s.best : v < s.best));
  if (improved) {
    s.best = v;
    s.bestEpoch = epoch;
    s.wait = 0;
  } else {
    s.wait += 1;
  }
  // As in Keras: stop once `patience` epochs in a row brought no improvement.
  return { improved, stop: !improved && s.wait >= s.patience };
}
