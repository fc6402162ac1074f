/**
 * Early stopping on a monitored metric (SPEC §7.3: `val_dir_mcc_h1`, mode max, ties broken by
 * the validation loss). Ties matter: a head that calls every window "up" has an MCC of exactly
 * 0, so several epochs can share the best MCC and the lower validation loss picks among them.
 * Its state is plain data so checkpoints can save it and a resumed run continues the count.
 */
export interface EarlyStoppingState {
  monitor: string;
  mode: 'min' | 'max';
  patience: number;
  best: number | null;
  bestEpoch: number | null;
  /** The tie-break value (`val_loss`, lower is better) of the best epoch; null when not logged. */
  bestTieBreak?: number | null;
  wait: number;
}

/** The log that breaks ties of the monitored value (lower is better). */
export const TIE_BREAK = 'val_loss';

export function createEarlyStopping(monitor: string, mode: 'min' | 'max', patience: number): EarlyStoppingState {
  if (!Number.isInteger(patience) || patience < 0) {
    throw new RangeError(`training.patience must be an integer >= 0 (got ${patience})`);
  }
  return { monitor, mode, patience, best: null, bestEpoch: null, bestTieBreak: null, wait: 0 };
}

/**
 * Records epoch `epoch`'s logs; returns whether the epoch is the new best (a better monitored
 * value, or an equal one with a lower validation loss) and whether training should stop. A
 * missing or NaN monitored value never counts as improvement.
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
  const tie = Number.isFinite(logs[TIE_BREAK]) ? logs[TIE_BREAK] : null;
  const better = s.best === null || (s.mode === 'max' ? v > s.best : v < s.best);
  const tieWon = v === s.best && tie !== null && (s.bestTieBreak == null || tie < s.bestTieBreak);
  const improved = Number.isFinite(v) && (better || tieWon);
  if (improved) {
    s.best = v;
    s.bestEpoch = epoch;
    s.bestTieBreak = tie;
  }
  // The patience counts epochs since the monitored value last rose; a tie won on the loss
  // moves the best epoch but does not keep an otherwise stalled run going.
  if (Number.isFinite(v) && better) s.wait = 0;
  else s.wait += 1;
  return { improved, stop: !(Number.isFinite(v) && better) && s.wait >= s.patience };
}
