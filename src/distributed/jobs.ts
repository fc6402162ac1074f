/** The job kinds workers run: the only names a job may carry. */
import type { JobKind } from './job-kind.js';
import { searchTrialJob } from './search-trial.js';
import { sweepShardJob } from './sweep-shard.js';

export const JOB_KINDS: Readonly<Record<string, JobKind<never>>> = Object.freeze({
  [sweepShardJob.name]: sweepShardJob as JobKind<never>,
  [searchTrialJob.name]: searchTrialJob as JobKind<never>,
});

export function jobKind(name: unknown): JobKind<unknown> | undefined {
  return typeof name === 'string' && Object.hasOwn(JOB_KINDS, name) ? (JOB_KINDS[name] as JobKind<unknown>) : undefined;
}
