/** The --queue option of `ntp sweep`, `ntp search` and `ntp worker`, over runtime.queue.url. */
import type { Options } from 'yargs';

import type { PipelineConfig } from '../config/index.js';
import { checkQueueUrl, QueueUrlError } from '../distributed/index.js';
import { UsageError } from './command.js';

export const QUEUE_OPTION: { [name: string]: Options } = {
  queue: { type: 'string', requiresArg: true, describe: 'Redis of the job queue: redis://[USER:PASSWORD@]HOST:PORT[/DB] or rediss:// (default runtime.queue.url)' },
};

/** The queue URL from --queue or the config, checked (exit 2 naming the flag or key); null when neither is set. */
export function queueUrlOf(args: Record<string, unknown>, config: PipelineConfig): string | null {
  const fromFlag = typeof args.queue === 'string';
  const url = fromFlag ? (args.queue as string) : config.runtime.queue.url;
  if (url === null) return null;
  try {
    return checkQueueUrl(url, fromFlag ? '--queue' : 'runtime.queue.url');
  } catch (e) {
    throw e instanceof QueueUrlError ? new UsageError(e.message) : e;
  }
}
