/**
 * The Redis behind the job queue: URL checks, connections, and every key name this project
 * writes there (one place, so a key is never spelled twice). ioredis parses the URL itself
 * (redis:// and rediss:// for TLS, user:password@, /DB); this only refuses what it would
 * silently misread.
 */
import { Redis } from 'ioredis';

/** BullMQ's key prefix and the project's own keys' prefix. */
export const QUEUE_PREFIX = 'ntp';
/**
 * The BullMQ queues; a worker takes from both and dispatches on the job's name. `jobs` holds long
 * jobs a worker takes only into a free compute slot (search trials: minutes each, so one held
 * back would idle another worker); `shards` the seconds-long ones it takes one ahead of its
 * compute slots, fetching the next shard's candles while the current one computes (sweep shards).
 */
export const QUEUES = { jobs: 'jobs', shards: 'shards' } as const;
export type QueueName = keyof typeof QUEUES;

export const KEYS = {
  /** Compressed candle columns, by the SHA-256 of their bytes (candle-store.ts; "bs8": the byte-shuffled layout). */
  candles: (hash: string) => `${QUEUE_PREFIX}:candles:bs8:${hash}`,
  /** A sweep's plan summary; its absence while the sweep runs means Redis lost its data. */
  sweepMeta: (sweepId: string) => `${QUEUE_PREFIX}:sweep:${sweepId}:meta`,
  /** shard number -> result JSON (who ran it, timings), written once (HSETNX) with its metrics. */
  sweepResults: (sweepId: string) => `${QUEUE_PREFIX}:sweep:${sweepId}:results`,
  /** shard number -> the native engine's float64 metric bytes, raw (no base64: a shard's are MBs). */
  sweepMetrics: (sweepId: string) => `${QUEUE_PREFIX}:sweep:${sweepId}:metrics`,
  /** Shard numbers as workers store them: the coordinator blocks on this list instead of polling. */
  sweepDone: (sweepId: string) => `${QUEUE_PREFIX}:sweep:${sweepId}:done`,
  /** shard number -> how many times a worker finished it (stored or not). */
  sweepRuns: (sweepId: string) => `${QUEUE_PREFIX}:sweep:${sweepId}:runs`,
  /** trial number -> result JSON of a queued search trial, written once (HSETNX). */
  studyResults: (studyId: string) => `${QUEUE_PREFIX}:study:${studyId}:results`,
  /** trial number -> how many times a worker finished it (stored or not). */
  studyRuns: (studyId: string) => `${QUEUE_PREFIX}:study:${studyId}:runs`,
  /** A running trial's per-epoch values ({step, value} JSON, in order; a retried trial appends again). */
  trialReports: (studyId: string, trial: number) => `${QUEUE_PREFIX}:study:${studyId}:trial:${trial}:reports`,
  /** step -> the coordinator's pruning decision for that report ('1' stop, '0' go on). */
  trialDecisions: (studyId: string, trial: number) => `${QUEUE_PREFIX}:study:${studyId}:trial:${trial}:decisions`,
};

/** Thrown for a queue URL that cannot be used; the CLI maps it to exit 2. */
export class QueueUrlError extends Error {
  override name = 'QueueUrlError';
}

/** Checks `url` (naming `where`, e.g. "--queue") and returns it normalised. */
export function checkQueueUrl(url: string, where = '--queue'): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueUrlError(`${where} = ${JSON.stringify(url)} is not a URL; use redis://HOST:PORT[/DB] or rediss://[USER:PASSWORD@]HOST:PORT[/DB]`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new QueueUrlError(`${where} = ${JSON.stringify(url)} must start with redis:// or rediss:// (got ${u.protocol}//)`);
  }
  if (u.hostname === '') throw new QueueUrlError(`${where} = ${JSON.stringify(url)} names no host`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,5}$/.test(db)) throw new QueueUrlError(`${where} = ${JSON.stringify(url)}: the database ${JSON.stringify(db)} must be a number (redis://HOST:PORT/DB)`);
  return url;
}

export interface RedisOptions {
  /** Connection name shown by CLIENT LIST (BullMQ counts workers by it). */
  name?: string;
}

/**
 * A connection as BullMQ needs it: commands wait through reconnects instead of failing after a
 * few retries (maxRetriesPerRequest null), and reconnects keep trying with a capped delay, so a
 * restarted Redis is picked up again.
 */
export function openRedis(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(100 * times, 2000),
    ...(options.name ? { connectionName: options.name } : {}),
  });
  // Connection errors are retried by ioredis; without a listener Node would treat them as fatal.
  redis.on('error', () => {});
  return redis;
}

/** Pings until Redis answers or `timeoutMs` passes; the error names the URL without its password. */
export async function waitForRedis(redis: Redis, url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      await Promise.race([redis.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer')), 1000))]);
      return;
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`cannot reach Redis at ${redactUrl(url)} within ${timeoutMs / 1000} s (${last instanceof Error ? last.message : String(last)})`);
}

/** The URL with any password replaced by ***, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
