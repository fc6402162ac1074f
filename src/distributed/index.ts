/**
 * Sweeps across machines on BullMQ + Redis: the coordinator (runDistributedSweep), the worker
 * (startWorker), the job kinds they share, and the content-addressed candle store.
 */
export { checkQueueUrl, QueueUrlError, redactUrl } from './connection.js';
export { runDistributedSweep, shardJobId, type DistributedGrid, type DistributedProgress, type DistributedSweepOptions } from './coordinator.js';
export { startWorker, defaultWorkerName, type RunningWorker, type WorkerOptions } from './worker.js';
export { JOB_KINDS } from './jobs.js';
export { DEFAULT_SHARD_BAR_COMBOS, planShards } from './shards.js';
