/**
 * Sweeps and searches across machines on BullMQ + Redis: the coordinators (runDistributedSweep,
 * openTrialQueue), the worker (startWorker), the job kinds they share, and the content-addressed
 * candle store.
 */
export { checkQueueUrl, QueueUrlError, redactUrl } from './connection.js';
export { runDistributedSweep, shardJobId, type DistributedGrid, type DistributedProgress, type DistributedSweepOptions } from './coordinator.js';
export { openTrialQueue, trialJobId, type TrialQueue, type TrialQueueOptions } from './search-queue.js';
export { startWorker, defaultWorkerName, type RunningWorker, type WorkerOptions } from './worker.js';
export { JOB_KINDS } from './jobs.js';
export { DEFAULT_SHARD_BAR_COMBOS, planShards } from './shards.js';
