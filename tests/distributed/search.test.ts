/**
 * Hyperparameter searches whose trials run as `searchTrial` jobs, against a real redis-server
 * and 2 worker processes on 127.0.0.1 (tiny model, 1200 synthetic bars, 4 trials of 2 epochs,
 * 2 in flight, ASHA pruning): the queued study records the same trials as a local study (same
 * params, states, per-epoch values, objective values and returns), and so does one whose
 * worker is killed with -9 mid-trial (the trial is taken again and stored once), one whose
 * coordinator (`ntp search --queue`) is killed with -9 and started again with the same command,
 * and one whose Redis restarts empty with trials queued; a trial failing every attempt is
 * recorded failed.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Queue } from 'bullmq';

import { resolveConfig, type PipelineConfig } from '../../src/config/index.js';
import { loadSeries, type LoadedSeries } from '../../src/data/source.js';
import { KEYS, QUEUES, QUEUE_PREFIX, openRedis } from '../../src/distributed/connection.js';
import { searchTrialJob } from '../../src/distributed/search-trial.js';
import { openTrialQueue } from '../../src/distributed/index.js';
import { runSearch } from '../../src/search/run-search.js';
import { StudyStore, type TrialRecord } from '../../src/search/study-store.js';
import { TestRedis } from '../helpers/redis-server.js';
import { spawnWorker, startWorkers, stopWorkers, until, waitForLog, type WorkerProcess } from './workers.js';

const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
/** Short, so a killed worker's trial is taken again soon; long enough that a trial on a busy machine keeps its lock. */
const LOCK_MS = 10_000;
const TRIALS = 4;

let redis: TestRedis;
let workers: WorkerProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ntp-search-queue-'));
const configPath = join(dir, 'study.json');

/** A tiny study: 2 parameters, TPE after 2 random trials, 2 trials in flight, ASHA on every epoch. */
writeFileSync(configPath, JSON.stringify({
  data: { source: 'synthetic', synthetic: { symbols: 1, bars: 1200, seed: 3 } },
  windows: { lookback: 24 },
  model: {
    transformer: { dModel: 4, heads: 1, keyDim: 4, blocks: 1, ffnDim: 8 }, lstm: { units: 4, bidirectional: false },
    indicators: { hidden: [8], output: 4 }, tower: { hidden: [8] },
  },
  training: { epochs: 2, tensorboard: false },
  search: {
    space: ['training.learningRate: float 1e-3..3e-2 log', 'model.lstm.units: int 4..12 step 4'],
    trials: TRIALS, parallel: 2, folds: 1, tpe: { startupTrials: 2 }, asha: { minResource: 1, reductionFactor: 2 },
  },
}));

function studyConfig(name: string): PipelineConfig {
  return resolveConfig({ file: configPath, values: { output: { runDir: join(dir, `${name}-run`) }, search: { out: join(dir, name) } } });
}

let loaded: Promise<LoadedSeries>;
let local: Promise<TrialRecord[]>;

test.before(async () => {
  redis = await TestRedis.start();
  workers = await startWorkers(redis.url, ['s1', 's2'], LOCK_MS);
  loaded = loadSeries(studyConfig('local').data);
  // The reference: the same study trained in this process (one trial at a time, same search.parallel).
  local = loaded.then(async (l) => {
    await runSearch(studyConfig('local'), l, { skipFinal: true });
    return new StudyStore(join(dir, 'local')).trials();
  });
});

test.after.always(async () => {
  await stopWorkers(workers);
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** What must match between two runs of a study: everything but timing. */
const comparable = (ts: TrialRecord[]) => ts.map(({ number, params, state, value, intermediate, returns, attrs, error }) => ({ number, params, state, value, intermediate, returns, attrs, error }));

async function stored(studyId: string): Promise<{ results: Record<string, string>; runs: Record<string, string> }> {
  const r = openRedis(redis.url);
  try {
    return { results: await r.hgetall(KEYS.studyResults(studyId)), runs: await r.hgetall(KEYS.studyRuns(studyId)) };
  } finally {
    r.disconnect();
  }
}

/** A worker's log line when it starts a trial job ("start job trial-<study id>-<n>: ..."). */
const TRIAL_START = /start job trial-([0-9a-f]{64})-(\d+):/;

/** Ids of the studies with results in Redis. */
async function studyIds(): Promise<Set<string>> {
  const r = openRedis(redis.url);
  try {
    return new Set((await r.keys(`${QUEUE_PREFIX}:study:*:runs`)).map((k) => k.split(':')[2]));
  } finally {
    r.disconnect();
  }
}

/** The one study that has results now and had none in `before`. */
async function newStudy(t: ExecutionContext, before: Set<string>): Promise<string> {
  const added = [...await studyIds()].filter((id) => !before.has(id));
  t.is(added.length, 1, 'one new study in Redis');
  return added[0];
}

async function queuedSearch(name: string) {
  const queue = await openTrialQueue({ url: redis.url, reconcileMs: 1000 });
  try {
    return await runSearch(studyConfig(name), await loaded, { skipFinal: true, remote: queue.objectiveFor });
  } finally {
    await queue.close();
  }
}

test.serial('a queued study on 2 workers records the same trials as a local study: params, pruning, values, returns', async (t) => {
  // The local reference study, trained first.
  const reference = await local;
  const before = await studyIds();
  const r = await queuedSearch('queued');
  const trials = new StudyStore(join(dir, 'queued')).trials();
  t.is(trials.length, TRIALS);
  t.is(r.trials.failed, 0);
  t.deepEqual(comparable(trials), comparable(reference));
  t.true(reference.some((x) => x.state === 'complete') && reference.every((x) => x.state !== 'failed'));
  t.log(`states: ${reference.map((x) => x.state).join(', ')}`);
  const s = await stored(await newStudy(t, before));
  t.deepEqual(Object.keys(s.results).sort(), ['0', '1', '2', '3']);
  t.deepEqual(Object.values(s.runs), Array(TRIALS).fill('1'), 'each trial ran once');
  // Trials 0 and 1 start together and a worker takes one job at a time, so both workers trained.
  t.deepEqual([...new Set(Object.values(s.results).map((v) => JSON.parse(v).worker as string))].sort(), ['s1', 's2']);
});

test.serial('a worker killed with -9 mid-trial: another takes the trial, it is stored once, and the study is the same', async (t) => {
  const victim = workers[0];
  const before = victim.log.length;
  const running = queuedSearch('kill-worker');
  const [, studyId, trial] = await waitForLog({ ...victim, get log() { return victim.log.slice(before); } } as WorkerProcess, TRIAL_START, 120_000);
  // Mid-trial: after its first epoch was reported to the coordinator.
  const probe = openRedis(redis.url);
  await until('the first epoch report', async () => (await probe.llen(KEYS.trialReports(studyId, Number(trial)))) >= 1, 120_000, 50);
  probe.disconnect();
  victim.child.kill('SIGKILL');
  await victim.exited;
  t.notRegex(victim.log.slice(before), new RegExp(`done job trial-${studyId}-${trial}:`), 'killed before finishing its trial');
  workers[0] = spawnWorker(redis.url, 's3', LOCK_MS);
  const r = await running;
  t.is(r.trials.failed, 0);
  t.deepEqual(comparable(new StudyStore(join(dir, 'kill-worker')).trials()), comparable(await local));
  const s = await stored(studyId);
  t.not(JSON.parse(s.results[trial]).worker, 's1', 'the killed worker\'s trial was stored by another');
  t.deepEqual(Object.values(s.runs), Array(TRIALS).fill('1'), 'each trial stored and finished once');
  await waitForLog(workers[0], /ready/);
});

test.serial('ntp search --queue killed with -9 and started again with the same command resumes the study; no trial counted twice', async (t) => {
  const before = await studyIds();
  const out = join(dir, 'kill-coordinator');
  const args = ['--import', 'tsx', ENTRY, 'search', '--config', configPath, '--queue', redis.url, '--out', out, '--set', `output.runDir=${join(dir, 'kill-coordinator-run')}`];
  const first = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err1 = '';
  first.stderr.on('data', (d: Buffer) => { err1 += d.toString(); });
  try {
    await until('a first finished trial', () => /trial \d\/4 (complete|pruned)/.test(err1), 180_000, 50);
  } finally {
    first.kill('SIGKILL');
  }
  await new Promise((r) => first.once('exit', r));
  const recorded = new StudyStore(out).trials().filter((x) => x.state !== 'running').length;
  t.true(recorded >= 1 && recorded < TRIALS, `${recorded} trials recorded at the kill`);
  t.regex(err1, /queue redis:\/\/127\.0\.0\.1:\d+\/?: 2 workers connected; search\.parallel = 2 trials in flight/);
  const second = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out2 = '';
  let err2 = '';
  second.stdout.on('data', (d: Buffer) => { out2 += d.toString(); });
  second.stderr.on('data', (d: Buffer) => { err2 += d.toString(); });
  const code = await new Promise<number | null>((r) => second.once('exit', r));
  t.is(code, 0, err2);
  t.regex(out2, new RegExp(`\\(4 trials: .*; ${recorded} from an earlier run\\)`));
  t.deepEqual(comparable(new StudyStore(out).trials()), comparable(await local));
  // The same files as a local search: the summary, the report and the chosen trial's test evaluation.
  const summary = JSON.parse(readFileSync(join(out, 'search.json'), 'utf8'));
  t.is(summary.trials.total, TRIALS);
  t.truthy(summary.test);
  const s = await stored(await newStudy(t, before));
  t.deepEqual(Object.values(s.runs), Array(TRIALS).fill('1'), 'no trial computed twice');
});

test.serial('Redis restarted empty with trials queued: they are enqueued again with their candles, and the study is the same', async (t) => {
  const lines: string[] = [];
  const queue = await openTrialQueue({ url: redis.url, reconcileMs: 1000, log: (l) => lines.push(l) });
  // Paused, so the first trials wait in Redis when it goes (the pause goes with it).
  const conn = openRedis(redis.url);
  const bull = new Queue(QUEUES[searchTrialJob.queue], { connection: conn, prefix: QUEUE_PREFIX });
  bull.on('error', () => {});  // the restart drops its connection; ioredis reconnects
  try {
    await bull.pause();
    const running = runSearch(studyConfig('redis-restart'), await loaded, { skipFinal: true, remote: queue.objectiveFor });
    await until('2 trials queued', async () => (await bull.getJobCountByTypes('waiting', 'paused')) >= 2, 60_000, 50);
    await redis.restart();
    const r = await running;
    t.is(r.trials.failed, 0);
  } finally {
    await bull.close();
    conn.disconnect();
    await queue.close();
  }
  for (const n of [0, 1]) t.true(lines.includes(`trial ${n}: its job is gone from Redis (restarted empty?); uploading its candles again and re-enqueueing it`), lines.join('\n'));
  t.deepEqual(comparable(new StudyStore(join(dir, 'redis-restart')).trials()), comparable(await local));
});

test.serial('a trial that fails every attempt on the workers is recorded failed with its error', async (t) => {
  const queue = await openTrialQueue({ url: redis.url, reconcileMs: 500 });
  const lines: string[] = [];
  // Valid for the schema, so it is sent; the workers find no such metric in the epoch logs.
  const config = resolveConfig({ file: configPath, values: { output: { runDir: join(dir, 'failing-run') }, search: { out: join(dir, 'failing'), trials: 1, objective: 'val_no_such_metric' } } });
  try {
    await t.throwsAsync(runSearch(config, await loaded, { skipFinal: true, remote: queue.objectiveFor, log: (l) => lines.push(l) }), { message: /search: no trial completed \(1 trials; first failure: failed 3 times on the queue: search\.objective: val_no_such_metric is not among the epoch logs/ });
  } finally {
    await queue.close();
  }
  const [trial] = new StudyStore(join(dir, 'failing')).trials();
  t.is(trial.state, 'failed');
  t.regex(trial.error ?? '', /^failed 3 times on the queue: /);
  t.true(lines.some((l) => /^trial 1\/1 failed /.test(l)));
});
