/**
 * The study loop: propose, run, record, until the trial budget, the time budget or the sampler
 * runs out. Runs up to `parallel` trials at once and stays reproducible: trial n starts only
 * once trials 0..n-parallel have finished, and both the sampler and the pruner see exactly
 * those trials, whatever order the running ones end in. So a study killed at any point and
 * started again (finished trials are kept, unfinished ones rerun from scratch) ends with the
 * same trials as one that ran through.
 */
import type { AshaPruner, Intermediate } from './pruners/asha.js';
import type { Direction, FinishedTrial, Sampler } from './samplers/types.js';
import type { Params } from './space.js';
import type { StudyStore, TrialRecord } from './study-store.js';

export interface TrialContext {
  number: number;
  params: Params;
  /** Working directory for the trial's files. */
  dir: string;
  /**
   * Records the value after `step` units of resource (epochs); returns true when the pruner
   * says stop, after which the objective should return promptly (its result is ignored).
   */
  report(step: number, value: number): boolean;
}

export interface ObjectiveResult {
  value: number;
  returns?: number[];
  attrs?: Record<string, unknown>;
}

export type Objective = (trial: TrialContext) => Promise<ObjectiveResult>;

export interface StudyOptions {
  store: StudyStore;
  sampler: Sampler;
  pruner: AshaPruner | null;
  direction: Direction;
  trials: number;
  /** Stop starting trials after this many ms of this invocation (0 or absent: no limit). */
  timeBudgetMs?: number;
  parallel?: number;
  /**
   * Trials actually running at once (default `parallel`). Below `parallel` the study is the
   * same, only slower: what trial n sees is set by `parallel` alone (each training draws from
   * its own seeded generators).
   */
  concurrency?: number;
  objective: Objective;
  /** Called when a trial finishes (for progress lines). */
  onTrial?: (t: TrialRecord) => void;
  now?: () => number;
}

export interface StudyOutcome {
  trials: TrialRecord[];
  /** Trials kept from an earlier run of the same study. */
  resumed: number;
  stoppedBy: 'trials' | 'time' | 'sampler';
}

const isFinished = (t: TrialRecord) => t.state !== 'running';

export function finishedView(t: TrialRecord): FinishedTrial {
  return { number: t.number, params: t.params, state: t.state as FinishedTrial['state'], value: t.value };
}

export function stepMap(t: TrialRecord): Intermediate {
  return new Map(t.intermediate.map((s) => [s.step, s.value]));
}

export async function runStudy(o: StudyOptions): Promise<StudyOutcome> {
  const parallel = o.parallel ?? 1;
  if (!(Number.isInteger(parallel) && parallel >= 1)) throw new RangeError(`parallel must be an integer >= 1 (got ${parallel})`);
  const concurrency = o.concurrency ?? parallel;
  if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= parallel)) throw new RangeError(`concurrency must be an integer in [1, parallel = ${parallel}] (got ${concurrency})`);
  if (!(Number.isInteger(o.trials) && o.trials >= 1)) throw new RangeError(`trials must be an integer >= 1 (got ${o.trials})`);
  const now = o.now ?? Date.now;
  const started = now();
  o.store.ensure();
  const records = new Map<number, TrialRecord>();
  for (const t of o.store.trials()) {
    if (isFinished(t)) records.set(t.number, t);
    else o.store.discardTrial(t.number);
  }
  const resumed = records.size;
  const done = new Map<number, Promise<void>>();
  const running = new Set<Promise<void>>();
  let stoppedBy: StudyOutcome['stoppedBy'] = 'trials';

  const visible = (n: number) => [...records.values()].filter((t) => t.number <= n - parallel && isFinished(t)).sort((a, b) => a.number - b.number);

  for (let n = 0; n < o.trials; n++) {
    if (records.has(n)) continue;
    if (o.timeBudgetMs && now() - started >= o.timeBudgetMs) { stoppedBy = 'time'; break; }
    // Wait for a free slot and for every trial this one may see.
    while (running.size >= concurrency) await Promise.race(running);
    await Promise.all([...done.entries()].filter(([k]) => k <= n - parallel).map(([, p]) => p));
    const history = visible(n);
    const params = o.sampler.sample(n, history.map(finishedView));
    if (params === null) { stoppedBy = 'sampler'; break; }
    const p = runOne(o, n, params, history).then((r) => { records.set(n, r); o.onTrial?.(r); });
    const tracked = p.finally(() => running.delete(tracked));
    running.add(tracked);
    done.set(n, tracked);
  }
  await Promise.all(running);
  return { trials: [...records.values()].sort((a, b) => a.number - b.number), resumed, stoppedBy };
}

async function runOne(o: StudyOptions, number: number, params: Params, peers: readonly TrialRecord[]): Promise<TrialRecord> {
  const t0 = Date.now();
  const record: TrialRecord = { number, params, state: 'running', intermediate: [], value: null, startedAt: new Date(t0).toISOString() };
  o.store.saveTrial(record);
  const peerSteps = peers.map(stepMap);
  let pruned = false;
  const ctx: TrialContext = {
    number, params, dir: o.store.trialDir(number),
    report(step, value) {
      if (pruned) return true;
      record.intermediate.push({ step, value });
      pruned = o.pruner?.shouldPrune(step, value, peerSteps, o.direction) ?? false;
      // Not written here: a trial that does not finish is rerun whole on resume, so its
      // record is written when it starts and when it ends (each write is an fsync).
      return pruned;
    },
  };
  try {
    const result = await o.objective(ctx);
    if (pruned) {
      record.state = 'pruned';
      record.value = record.intermediate.at(-1)?.value ?? null;
    } else {
      record.state = 'complete';
      record.value = result.value;
      if (result.returns) record.returns = result.returns;
    }
    if (result.attrs) record.attrs = result.attrs;
  } catch (e) {
    record.state = 'failed';
    record.error = (e as Error).message;
  }
  record.finishedAt = new Date().toISOString();
  record.durationMs = Date.now() - t0;
  o.store.saveTrial(record);
  return record;
}

/** The best complete trial (ties: the earlier one), or null. */
export function bestTrial(trials: readonly TrialRecord[], direction: Direction): TrialRecord | null {
  let best: TrialRecord | null = null;
  for (const t of trials) {
    if (t.state !== 'complete' || t.value === null || !Number.isFinite(t.value)) continue;
    if (best === null || (direction === 'max' ? t.value > best.value! : t.value < best.value!)) best = t;
  }
  return best;
}
