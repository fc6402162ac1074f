/**
 * The coordinator side of a queued search (`ntp search --queue`). The study loop stays here
 * (search/study.ts: sampling, pruning, trial records, resume; search.parallel trials in
 * flight), and each trial it starts becomes one `searchTrial` job. The objective handed to the
 * study enqueues the job, relays the trial's per-epoch reports to the study's pruner and the
 * decisions back to the worker, and returns the stored result: so a queued study records
 * exactly what a local one does.
 *
 * Faults: the job id is the study id + trial number, and the result is stored once per trial,
 * so a coordinator killed and started again (the study directory gives the same study id)
 * finds its running trials on the queue or their results in Redis, and adds nothing twice; a
 * worker killed mid-trial loses its lock and another takes the trial (its reports are relayed
 * again with the same decisions); a job that vanished (Redis restarted empty) is enqueued again
 * with its candles; a trial that fails every attempt is recorded failed with its error.
 */
import { hostname } from 'node:os';

import { Queue } from 'bullmq';

import type { SymbolCandles } from '../data/candles.js';
import type { RemoteStudy } from '../search/run-search.js';
import type { Objective, ObjectiveResult, TrialContext } from '../search/study.js';
import { putCandles, seriesHash } from './candle-store.js';
import { KEYS, QUEUES, QUEUE_PREFIX, openRedis, waitForRedis } from './connection.js';
import { JobRejection } from './payload-check.js';
import { contentId } from './shards.js';
import { fromJsonNumber, SEARCH_TRIAL, searchTrialJob, type SearchTrialPayload, type TrialReport, type TrialResult } from './search-trial.js';

export interface TrialQueueOptions {
  url: string;
  /** Attempts per trial before it is recorded failed (default 3). */
  attempts?: number;
  pollMs?: number;
  /** How often a waiting trial's job state is checked (failed, or lost with Redis). */
  reconcileMs?: number;
  /** Notable events (a trial enqueued again, a failure), one line each. */
  log?: (line: string) => void;
}

export interface TrialQueue {
  /** Workers connected when the queue was opened. */
  workers: number;
  objectiveFor(study: RemoteStudy): Objective;
  close(): Promise<void>;
}

/** BullMQ job id of a trial (BullMQ ids may not contain ':'). */
export const trialJobId = (studyId: string, trial: number): string => `trial-${studyId}-${trial}`;

/** The study's config as workers get it: no runtime (theirs), no output or study paths (this machine's). */
function sentConfig(config: RemoteStudy['setup']['config']): Record<string, unknown> {
  const { runtime: _runtime, output: _output, ...rest } = config;
  return { ...rest, search: { ...config.search, out: null } };
}

/**
 * A stored result as the study wants it, or null when it is not what a worker writes. Whether
 * the trial was pruned is the study's own record (its pruner decided); `pruned` is for people
 * reading Redis.
 */
function readResult(text: string): ObjectiveResult | null {
  try {
    const r = JSON.parse(text) as TrialResult;
    if (typeof r.worker !== 'string' || typeof r.pruned !== 'boolean') return null;
    const result: ObjectiveResult = { value: fromJsonNumber(r.value) };
    if (typeof r.returns === 'string') {
      const bytes = Buffer.from(r.returns, 'base64');
      if (bytes.length % 8 !== 0) return null;
      result.returns = Array.from(new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
    }
    if (r.attrs !== null && typeof r.attrs === 'object') result.attrs = r.attrs;
    return result;
  } catch {
    return null;
  }
}

function readReport(text: string): { step: number; value: number } | null {
  try {
    const r = JSON.parse(text) as TrialReport;
    return Number.isInteger(r.step) && r.step >= 1 ? { step: r.step, value: fromJsonNumber(r.value) } : null;
  } catch {
    return null;
  }
}

class TrialFailed extends Error {}

export async function openTrialQueue(options: TrialQueueOptions): Promise<TrialQueue> {
  const attempts = options.attempts ?? 3;
  const pollMs = options.pollMs ?? 100;
  const reconcileMs = options.reconcileMs ?? 5000;
  const log = options.log ?? (() => {});
  const redis = openRedis(options.url, { name: `ntp-search-${hostname()}-${process.pid}` });
  const queue = new Queue(QUEUES[searchTrialJob.queue], { connection: redis, prefix: QUEUE_PREFIX });
  queue.on('error', () => {});  // reconnects are ioredis's job; commands wait for them
  try {
    await waitForRedis(redis, options.url);
  } catch (e) {
    await queue.close().catch(() => {});
    redis.disconnect();
    throw e;
  }
  const workers = await queue.getWorkersCount();

  const objectiveFor = (study: RemoteStudy): Objective => {
    const { config, series } = study.setup;
    const sent = sentConfig(config);
    const refs = series.map((s: SymbolCandles) => ({ symbol: s.symbol, candles: seriesHash(s.candles) }));
    const studyId = contentId({ v: 1, createdAt: study.createdAt, config: sent, series: refs });
    /** Before every enqueue: a Redis restarted empty since the last one has lost them. */
    const ensureCandles = async () => {
      for (const s of series) await putCandles(redis, s.candles);
    };

    return async (trial: TrialContext): Promise<ObjectiveResult> => {
      const n = trial.number;
      const field = String(n);
      const jobId = trialJobId(studyId, n);
      const payload: SearchTrialPayload = { v: 1, studyId, trial: n, config: sent, params: trial.params, series: refs };
      // Held to the workers' schema here: a trial they would reject fails now, with the reason.
      try {
        searchTrialJob.parse(JSON.parse(JSON.stringify(payload)));
      } catch (e) {
        throw e instanceof JobRejection ? new Error(`the trial cannot be sent to workers: ${e.message}`) : e;
      }
      const enqueue = async () => {
        await ensureCandles();
        const state = await queue.getJobState(jobId);
        // A finished job without a result in Redis (Redis lost it, or a failure from an earlier run) runs again.
        if (state === 'completed' || state === 'failed') await (await queue.getJob(jobId))?.remove();
        if (state === 'completed' || state === 'failed' || state === 'unknown') {
          await queue.add(SEARCH_TRIAL, payload, {
            jobId, attempts, backoff: { type: 'fixed', delay: 500 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 7 * 24 * 3600 },
          });
        }
      };
      if (!(await redis.hexists(KEYS.studyResults(studyId), field))) await enqueue();

      const reportsKey = KEYS.trialReports(studyId, n);
      const decisionsKey = KEYS.trialDecisions(studyId, n);
      // A step's decision is made once: a retried attempt that reports it again gets the same answer.
      const decided = new Map<number, boolean>();
      /** The relay's keys outlive the trial by an hour, for an attempt that is still running somewhere. */
      const forget = () => redis.multi().expire(reportsKey, 3600).expire(decisionsKey, 3600).exec();
      let cursor = 0;
      let lastCheck = Date.now();
      for (;;) {
        try {
          // The result first: a worker pushes every report before it stores the result.
          const stored = await redis.hget(KEYS.studyResults(studyId), field);
          const length = await redis.llen(reportsKey);
          if (length < cursor) cursor = 0;  // the list is new (Redis restarted empty)
          const items = length > cursor ? await redis.lrange(reportsKey, cursor, length - 1) : [];
          cursor += items.length;
          for (const item of items) {
            const r = readReport(item);
            if (r === null) continue;
            let stop = decided.get(r.step);
            if (stop === undefined) {
              stop = trial.report(r.step, r.value);
              decided.set(r.step, stop);
            }
            await redis.hset(decisionsKey, String(r.step), stop ? '1' : '0');
          }
          if (stored !== null) {
            const r = readResult(stored);
            if (r !== null) {
              await forget();
              return r;
            }
            log(`trial ${n}: the stored result is unreadable; running it again`);
            await redis.hdel(KEYS.studyResults(studyId), field);
            await enqueue();
          }
          if (Date.now() - lastCheck > reconcileMs) {
            lastCheck = Date.now();
            const state = await queue.getJobState(jobId);
            if (state === 'failed') {
              const reason = (await queue.getJob(jobId))?.failedReason ?? 'no reason stored';
              log(`trial ${n} failed ${attempts} times on the queue: ${reason}`);
              await forget();
              throw new TrialFailed(`failed ${attempts} times on the queue: ${reason}`);
            }
            if ((state === 'unknown' || state === 'completed') && !(await redis.hexists(KEYS.studyResults(studyId), field))) {
              log(`trial ${n}: its job is gone from Redis (restarted empty?); uploading its candles again and re-enqueueing it`);
              await enqueue();
            }
          }
        } catch (e) {
          // A command cut off by a dropped connection: ioredis reconnects, poll again. Anything else is a real failure.
          if (e instanceof TrialFailed || redis.status === 'ready') throw e;
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        await new Promise((r) => setTimeout(r, pollMs));
      }
    };
  };

  return {
    workers,
    objectiveFor,
    close: async () => {
      await queue.close().catch(() => {});
      redis.disconnect();
    },
  };
}
