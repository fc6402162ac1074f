/**
 * What a job kind is, and the registry of the kinds a worker runs. A worker runs only these
 * (looked up by the job's name as an own key, so names like "constructor" find nothing);
 * adding a kind is one file with a JobKind and one entry in JOB_KINDS.
 */
import type { Redis } from 'ioredis';

import type { PipelineConfig } from '../config/index.js';
import type { CandleCache } from './candle-store.js';
import type { QueueName } from './connection.js';

export interface WorkerContext {
  redis: Redis;
  candles: CandleCache;
  /** This worker's name (host:pid unless given). */
  worker: string;
  /** This worker's own compute settings (tfjs backend, native kernels, threads), never the job's. */
  runtime: PipelineConfig['runtime'];
  /** Runs `work` in one of the worker's compute slots (--concurrency), waiting for one to be free. */
  compute<T>(work: () => Promise<T>): Promise<T>;
}

export interface JobKind<P> {
  name: string;
  /** The queue its jobs travel on (connection.ts QUEUES): `shards` only for jobs of seconds. */
  queue: QueueName;
  /** Largest payload accepted, as JSON bytes. */
  maxBytes: number;
  /** Checks untrusted data and returns the typed payload, or throws a JobRejection. */
  parse(data: unknown): P;
  /** One line for logs. */
  describe(payload: P): string;
  /** Does the work and stores its result; resolves to a one-line summary. Throws to fail (retried). */
  run(payload: P, ctx: WorkerContext): Promise<string>;
}
