/**
 * A study on disk: `study.json` (what was asked: space, objective, sampler, seed, budget),
 * one `trials/NNNNNN.json` per trial (parameters, per-step values, state, result, timing),
 * each written atomically (temp file + rename), so a kill leaves every file whole. Trial
 * working files (run directories) go under `trials/NNNNNN/`. A queue worker can open the same
 * directory, write one trial's record and leave the rest to the study.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { writeJsonAtomic } from '../util/atomic-write.js';
import type { TrialState } from './samplers/types.js';
import type { Params } from './space.js';

export interface StepValue { step: number; value: number }

export interface TrialRecord {
  number: number;
  params: Params;
  state: TrialState;
  /** Values reported while the trial ran (e.g. the validation metric after each epoch), written when it ends. */
  intermediate: StepValue[];
  /** The objective (complete), the last reported value (pruned), or null. */
  value: number | null;
  /** Per-bar strategy returns on the validation folds, for the DSR and PBO. */
  returns?: number[];
  /** Anything else the objective wants kept (fold values, backtest metrics). */
  attrs?: Record<string, unknown>;
  error?: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
}

export class StudyStore {
  constructor(readonly dir: string) {}

  get specPath(): string { return join(this.dir, 'study.json'); }
  trialPath(n: number): string { return join(this.dir, 'trials', `${String(n).padStart(6, '0')}.json`); }
  /** Where trial n keeps its working files. */
  trialDir(n: number): string { return join(this.dir, 'trials', String(n).padStart(6, '0')); }

  exists(): boolean { return existsSync(this.specPath); }

  readSpec<T>(): T {
    return JSON.parse(readFileSync(this.specPath, 'utf8')) as T;
  }

  writeSpec(spec: unknown): void {
    writeJsonAtomic(this.specPath, spec);
  }

  saveTrial(t: TrialRecord): void {
    writeJsonAtomic(this.trialPath(t.number), t);
  }

  /** Every trial record, by number. */
  trials(): TrialRecord[] {
    const dir = join(this.dir, 'trials');
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((f) => /^\d{6}\.json$/.test(f)).sort()
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as TrialRecord);
  }

  /** Forgets a trial that did not finish (its record and working files), so it can run again. */
  discardTrial(n: number): void {
    rmSync(this.trialDir(n), { recursive: true, force: true });
    rmSync(this.trialPath(n), { force: true });
  }

  ensure(): void {
    mkdirSync(join(this.dir, 'trials'), { recursive: true });
  }
}
