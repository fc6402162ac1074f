/**
 * The `searchTrial` job kind: one trial of a hyperparameter study (one training run on the
 * study's walk-forward folds and its evaluation, search/objective.ts) on a queue worker.
 *
 * The job carries the study's config without `runtime` and `output` (a worker computes with its
 * own settings, in a temporary directory of its own), the trial's sampled parameters (checked
 * against the config's search.space) and the candles by content hash (candle-store.ts). After
 * each epoch of the first fold the worker reports the pruning value and waits for the
 * coordinator's decision, so the coordinator's pruner decides exactly as in a local study. The
 * result is stored once per study and trial number (HSETNX): a trial run twice (a stalled job
 * taken again) is stored once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError, defaultConfig, validateConfig, type PipelineConfig } from '../config/index.js';
import { runSearchTrial, searchSetup } from '../search/objective.js';
import { searchSpaceOf, trialConfig } from '../search/setup.js';
import { isActive, type Params, type ParamValue } from '../search/space.js';
import { KEYS } from './connection.js';
import type { JobKind, WorkerContext } from './job-kind.js';
import { int, JobRejection, list, object, preview, record, str } from './payload-check.js';

export const SEARCH_TRIAL = 'searchTrial';

const MAX_SERIES = 1000;
const MAX_PARAMS = 256;
/** How long a worker waits for a pruning decision; the coordinator answers within a poll unless it is down. */
const DECISION_WAIT_MS = 10 * 60_000;
const DECISION_POLL_MS = 25;

export interface SearchTrialPayload {
  v: 1;
  /** The study on the queue (search-queue.ts): its config, data and creation time. */
  studyId: string;
  trial: number;
  /** The study's resolved config without `runtime` and `output`. */
  config: Record<string, unknown>;
  params: Params;
  /** SHA-256 of each symbol's candle bytes in Redis. */
  series: { symbol: string; candles: string }[];
}

/** A number through JSON: non-finite values as strings. */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';
export const toJsonNumber = (x: number): JsonNumber => (Number.isFinite(x) ? x : (String(x) as JsonNumber));
export const fromJsonNumber = (x: unknown): number => (typeof x === 'number' ? x : x === 'Infinity' ? Infinity : x === '-Infinity' ? -Infinity : NaN);

/** One per-epoch report of a running trial (KEYS.trialReports). */
export interface TrialReport { step: number; value: JsonNumber }

/** What a worker stores per trial. */
export interface TrialResult {
  worker: string;
  /** Stopped by the coordinator's pruner (the study then records its last reported value). */
  pruned: boolean;
  value: JsonNumber;
  /** Per-bar returns as float64 bytes (base64), so they arrive bit for bit; null when pruned. */
  returns: string | null;
  attrs: Record<string, unknown> | null;
  ms: number;
}

const hex64 = str(/^[0-9a-f]{64}$/, 64, '64 lowercase hex digits');
const payloadShape = record({
  v: int(1, 1),
  studyId: hex64,
  trial: int(0, 10_000_000),
  config: object(64),
  params: object(MAX_PARAMS),
  series: list(record({ symbol: str(/^[^\u0000-\u001f\u007f]+$/, 128, 'a symbol name without control characters'), candles: hex64 }), 1, MAX_SERIES),
});

/** The job's config as this worker runs it: its own runtime, its own directory; a bad config is a rejection naming the key. */
export function workerConfig(raw: Record<string, unknown>, runtime: PipelineConfig['runtime'], runDir: string, at = 'data.config'): PipelineConfig {
  for (const key of ['runtime', 'output']) {
    if (Object.hasOwn(raw, key)) throw new JobRejection(`${at}.${key} is not allowed (a worker computes with its own runtime settings, in a directory of its own)`);
  }
  try {
    return validateConfig({ ...raw, runtime, output: { runDir } });
  } catch (e) {
    if (e instanceof ConfigError) throw new JobRejection(e.issues.slice(0, 3).map((i) => `${at}.${i.key}: ${i.message}`).join('; '));
    throw new JobRejection(`${at}: ${(e as Error).message}`);
  }
}

/** The sampled parameters: exactly the active parameters of the config's search.space, each within its range. */
function checkParams(raw: Record<string, unknown>, config: PipelineConfig, at = 'data.params'): Params {
  let space;
  try {
    space = searchSpaceOf(config);
  } catch (e) {
    throw new JobRejection(`data.config.search.space: ${(e as Error).message}`);
  }
  for (const key of Object.keys(raw)) {
    if (!space.params.some((p) => p.key === key)) throw new JobRejection(`${at}.${key} is not a parameter of the config's search.space`);
  }
  const out: Params = {};
  for (const p of space.params) {
    const present = Object.hasOwn(raw, p.key);
    if (!isActive(p, out)) {
      if (present) throw new JobRejection(`${at}.${p.key} is not allowed: its condition on ${p.when!.key} does not hold`);
      continue;
    }
    if (!present) throw new JobRejection(`${at}.${p.key} is required (a parameter of search.space)`);
    const v = raw[p.key];
    if (p.kind === 'categorical') {
      if (!p.choices.some((c) => c === v)) throw new JobRejection(`${at}.${p.key} = ${preview(v)} must be one of ${p.choices.map((c) => JSON.stringify(c)).join(', ')}`);
    } else if (typeof v !== 'number' || !Number.isFinite(v) || v < p.low || v > p.high || (p.kind === 'int' && !Number.isInteger(v))) {
      throw new JobRejection(`${at}.${p.key} = ${preview(v)} must be ${p.kind === 'int' ? 'an integer' : 'a number'} in [${p.low}, ${p.high}]`);
    }
    out[p.key] = v as ParamValue;
  }
  try {
    trialConfig(config, out);
  } catch (e) {
    throw new JobRejection(`${at}: ${(e as Error).message}`);
  }
  return out;
}

/** Waits for the coordinator's pruning decision on this trial's report for `step`. */
async function decision(ctx: WorkerContext, p: SearchTrialPayload, step: number): Promise<boolean> {
  const deadline = Date.now() + DECISION_WAIT_MS;
  for (;;) {
    const d = await ctx.redis.hget(KEYS.trialDecisions(p.studyId, p.trial), String(step));
    if (d !== null) return d === '1';
    if (Date.now() > deadline) throw new Error(`no pruning decision for epoch ${step} from the coordinator within ${DECISION_WAIT_MS / 1000} s (is ntp search --queue still running?)`);
    await new Promise((r) => setTimeout(r, DECISION_POLL_MS));
  }
}

async function runTrial(p: SearchTrialPayload, ctx: WorkerContext): Promise<string> {
  const field = String(p.trial);
  if (await ctx.redis.hexists(KEYS.studyResults(p.studyId), field)) return `trial ${p.trial} is already stored; not run again`;
  const series = [];
  for (const s of p.series) series.push({ symbol: s.symbol, candles: await ctx.candles.get(s.candles) });
  const dir = mkdtempSync(join(tmpdir(), 'ntp-trial-'));
  try {
    const config = workerConfig(p.config, ctx.runtime, join(dir, 'run'));
    const prunes = config.search.pruner !== 'none';
    let pruned = false;
    const started = performance.now();
    const r = await runSearchTrial(searchSetup(config, series), {
      params: p.params, dir,
      report: async (step, value) => {
        const report: TrialReport = { step, value: toJsonNumber(value) };
        await ctx.redis.rpush(KEYS.trialReports(p.studyId, p.trial), JSON.stringify(report));
        pruned = prunes && (await decision(ctx, p, step));
        return pruned;
      },
    });
    const returns = r.returns && !pruned ? Float64Array.from(r.returns) : null;
    const result: TrialResult = {
      worker: ctx.worker, pruned, value: toJsonNumber(r.value), ms: performance.now() - started,
      returns: returns ? Buffer.from(returns.buffer).toString('base64') : null, attrs: r.attrs ?? null,
    };
    const [[, stored]] = (await ctx.redis.multi()
      .hsetnx(KEYS.studyResults(p.studyId), field, JSON.stringify(result))
      .hincrby(KEYS.studyRuns(p.studyId), field, 1)
      .exec()) as [[unknown, number], [unknown, number]];
    const what = pruned ? 'pruned' : `value ${r.value}`;
    return `trial ${p.trial} ${what} in ${(result.ms / 1000).toFixed(1)} s${stored === 1 ? '' : ' (already stored by another worker; kept the first)'}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Trials in one worker run one at a time: they would only split its one JS thread and double its memory. */
let turn: Promise<unknown> = Promise.resolve();

export const searchTrialJob: JobKind<SearchTrialPayload> = {
  name: SEARCH_TRIAL,
  queue: 'jobs',
  maxBytes: 2 ** 20,
  parse: (data) => {
    const p = payloadShape(data, 'data');
    // Checked with the default runtime here; the worker's own replaces it when the trial runs.
    const config = workerConfig(p.config, defaultConfig().runtime, 'trial');
    return { ...p, params: checkParams(p.params, config) } as SearchTrialPayload;
  },
  describe: (p) => `study ${p.studyId.slice(0, 12)} trial ${p.trial} (${JSON.stringify(p.params).slice(0, 160)})`,
  run: (p, ctx) => {
    const mine = turn.then(() => ctx.compute(() => runTrial(p, ctx)));
    turn = mine.catch(() => undefined);
    return mine;
  },
};
