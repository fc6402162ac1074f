/**
 * A worker: takes jobs from the queue and runs them, only if they are one of the project's job
 * kinds with a payload that passes that kind's checks. A rejected job is failed at once (no
 * retries) with its id and the reason, and the worker carries on; a job whose run throws is
 * retried by BullMQ (attempts and backoff come with the job). Work runs on the native engine's
 * async entry points, so the event loop stays free to renew BullMQ's job locks; a worker killed
 * mid-job loses its lock and the job is taken again by another worker (stalled-job recovery).
 * `concurrency` compute slots: sweep shards (QUEUES.shards) are taken one ahead of them, so the
 * next shard's candles arrive while the current one computes; long jobs (QUEUES.jobs) are taken
 * only into a free slot. SIGTERM finishes the running shard and the one fetched ahead.
 */
import { hostname } from 'node:os';

import { UnrecoverableError, Worker, type Job } from 'bullmq';

import { defaultConfig, type PipelineConfig } from '../config/index.js';
import { CandleCache } from './candle-store.js';
import { computeSlots } from './compute-slots.js';
import { QUEUES, QUEUE_PREFIX, openRedis, waitForRedis, type QueueName } from './connection.js';
import type { WorkerContext } from './job-kind.js';
import { jobKind } from './jobs.js';
import { checkSize, JobRejection } from './payload-check.js';

export interface WorkerOptions {
  url: string;
  /** Shown in logs, in stored results and in the sweep report (default host:pid). */
  name?: string;
  /** Compute slots: jobs computing at once (default 1). */
  concurrency?: number;
  /** Job lock time; a dead worker's job is taken again after about this long (default 30 s). */
  lockMs?: number;
  /** Compute settings for search trials (default: the schema's runtime defaults). */
  runtime?: PipelineConfig['runtime'];
  log?: (line: string) => void;
}

export interface RunningWorker {
  name: string;
  /** Stops taking jobs, waits for the running ones to finish, disconnects. */
  close(): Promise<void>;
  stats: { done: number; rejected: number; failed: number };
}

export function defaultWorkerName(): string {
  return `${hostname()}:${process.pid}`;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const name = options.name ?? defaultWorkerName();
  const log = options.log ?? (() => {});
  const lockMs = options.lockMs ?? 30_000;
  const redis = openRedis(options.url, { name: `ntp-worker-${name}` });
  await waitForRedis(redis, options.url);
  const slots = options.concurrency ?? 1;
  const compute = computeSlots(slots);
  const ctx: WorkerContext = { redis, candles: new CandleCache(redis), worker: name, runtime: options.runtime ?? defaultConfig().runtime, compute };
  const stats = { done: 0, rejected: 0, failed: 0 };

  const processor = async (job: Job): Promise<string> => {
    const kind = jobKind(job.name);
    let payload: unknown;
    try {
      if (!kind) throw new JobRejection(`job name ${JSON.stringify(String(job.name).slice(0, 80))} is not a job kind of this worker`);
      checkSize(job.data, kind.maxBytes);
      payload = kind.parse(job.data);
    } catch (e) {
      const reason = e instanceof JobRejection ? e.message : `payload check failed (${(e as Error).message})`;
      stats.rejected += 1;
      log(`rejected job ${job.id}: ${reason}`);
      throw new UnrecoverableError(`rejected: ${reason}`);
    }
    log(`start job ${job.id}: ${kind.describe(payload as never)}`);
    try {
      const summary = await kind.run(payload as never, ctx);
      stats.done += 1;
      log(`done job ${job.id}: ${summary}`);
      return summary;
    } catch (e) {
      stats.failed += 1;
      log(`job ${job.id} failed (attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1}): ${(e as Error).message}`);
      throw e;
    }
  };

  // Per queue: jobs taken at once (QUEUES' doc says why shards get one more than the slots).
  const taken: Record<QueueName, number> = { jobs: slots, shards: slots + 1 };
  const workers = (Object.keys(QUEUES) as QueueName[]).map((queue) => new Worker(QUEUES[queue], processor, {
    connection: redis, prefix: QUEUE_PREFIX, name, concurrency: taken[queue],
    lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 3,
  }));
  // Connection trouble and unreadable jobs surface here; they must never end the process.
  let lastError = '';
  for (const worker of workers) {
    worker.on('error', (e) => {
      const text = e instanceof Error ? e.message : String(e);
      if (text !== lastError) log(`queue error: ${text}`);
      lastError = text;
    });
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log(`worker ${name} ready (concurrency ${slots}, lock ${lockMs} ms)`);
  return {
    name, stats,
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
      redis.disconnect();
    },
  };
}
