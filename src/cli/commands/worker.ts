/**
 * `ntp worker --queue redis://HOST:PORT`: joins the pool of a BullMQ/Redis queue and runs the
 * project's job kinds (sweep shards, search trials) until SIGINT/SIGTERM, which finish the
 * running jobs (and the sweep shard held ahead), then exit 0 (a second signal exits at once). Trials train on this worker's own
 * runtime settings (runtime.backend: a GPU worker trains on its GPU), one at a time.
 */
import type { CommandSpec } from '../command.js';
import { EXIT, UsageError } from '../command.js';
import { defaultWorkerName, redactUrl, startWorker } from '../../distributed/index.js';
import { QUEUE_OPTION, queueUrlOf } from '../queue-args.js';
import { nativeAddon } from '../../native/addon.js';

const worker: CommandSpec = {
  name: 'worker',
  describe: 'Join a BullMQ/Redis queue and run sweep shards and search trials until stopped (SIGINT/SIGTERM finish the current job and the shard held ahead)',
  options: {
    ...QUEUE_OPTION,
    concurrency: { type: 'number', requiresArg: true, default: 1, describe: 'Compute slots: jobs computing at once (one more sweep shard is held, its candles fetched, while they run; search trials still train one at a time)' },
    threads: { type: 'number', requiresArg: true, describe: 'Native threads per shard (default runtime.threads; 0 = all cores)' },
    name: { type: 'string', requiresArg: true, describe: 'Worker name in logs and reports (default host:pid)' },
  },
  run: async (args, config, io) => {
    const url = queueUrlOf(args, config);
    if (url === null) throw new UsageError('ntp worker needs --queue redis://HOST:PORT[/DB] (or runtime.queue.url)');
    const concurrency = args.concurrency as number;
    if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 256)) throw new UsageError(`--concurrency = ${String(args.concurrency)} must be an integer in [1, 256]`);
    const threads = args.threads === undefined ? config.runtime.threads : (args.threads as number);
    if (!(Number.isInteger(threads) && threads >= 0 && threads <= 1024)) throw new UsageError(`--threads = ${String(args.threads)} must be an integer in [0, 1024] (0 = all cores)`);
    const name = typeof args.name === 'string' ? args.name : defaultWorkerName();
    if (!/^[\w.:@-]{1,100}$/.test(name)) throw new UsageError(`--name = ${JSON.stringify(name)} must be 1..100 letters, digits or . : @ - _`);
    if (threads > 0) nativeAddon().setThreads(threads);
    const log = (line: string) => io.stderr(`worker ${name}: ${line}\n`);
    log(`joining ${redactUrl(url)}`);
    const running = await startWorker({ url, name, concurrency, lockMs: config.runtime.queue.lockMs, runtime: { ...config.runtime, threads }, log });
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          log(`${signal} again: exiting now`);
          process.exit(130);
        }
        stopping = true;
        log(`${signal}: finishing the running shards, then exiting`);
        void running.close().then(resolve, resolve);
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
    log(`stopped: ${running.stats.done} done, ${running.stats.rejected} rejected, ${running.stats.failed} failed attempts`);
    return EXIT.ok;
  },
};

export default worker;
