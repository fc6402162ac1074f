/**
 * Distributed sweeps against a real redis-server and 3 worker processes on 127.0.0.1: the
 * ranked results equal the local sweep's metric for metric, and a worker killed with -9, the
 * coordinator killed and restarted, Redis restarted empty, and a shard that fails every attempt
 * each end as promised (complete and identical, nothing counted twice; or the missing part named).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Queue } from 'bullmq';

import { main } from '../../src/cli/main.js';
import { captureIo } from '../../src/cli/io.js';
import { syntheticMarket } from '../../src/data/synthetic.js';
import { expandRuleGrid } from '../../src/backtest/sweep.js';
import { KEYS, QUEUES, QUEUE_PREFIX, openRedis } from '../../src/distributed/connection.js';
import { sweepShardJob } from '../../src/distributed/sweep-shard.js';
import { planShards, runDistributedSweep, shardJobId } from '../../src/distributed/index.js';
import { TestRedis } from '../helpers/redis-server.js';
import { spawnWorker, startWorkers, stopWorkers, until, waitForLog, type WorkerProcess } from './workers.js';

const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
const LOCK_MS = 3000;

let redis: TestRedis;
let workers: WorkerProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ntp-distributed-'));

test.before(async () => {
  redis = await TestRedis.start();
  workers = await startWorkers(redis.url, ['w1', 'w2', 'w3'], LOCK_MS);
});

test.after.always(async () => {
  await stopWorkers(workers);
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Grid { seed: number; symbols: number; bars: number; fast: number; shardPaths: number }

/** A sweep config file: synthetic symbols, EMA fast x 5 slow periods, 2 stops x 2 fees, shards of `shardPaths` paths. */
function configFile(name: string, g: Grid): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({
    data: { source: 'synthetic', synthetic: { symbols: g.symbols, bars: g.bars, seed: g.seed } },
    sweep: {
      device: 'cpu', shardBarCombos: g.shardPaths * g.bars,
      grid: { fast: Array.from({ length: g.fast }, (_, i) => 5 + i), slow: [60, 100, 150, 200, 250], stopLoss: [0.02, 0.05], feeBps: [5, 10] },
    },
  }));
  return path;
}

async function sweepCli(args: string[], io = captureIo()): Promise<{ code: number; out: string; err: string }> {
  const code = await main(['sweep', ...args], io);
  return { code, out: io.out, err: io.err };
}

const shardCount = (g: Grid): number => planShards(Array(g.symbols).fill(g.bars), g.fast * 5, 4, g.shardPaths * g.bars).length;

/** The sweep id prefix a coordinator logs ("sweep 0123456789ab: N shards, M enqueued"), waited for in `text()`. */
async function loggedSweep(text: () => string, timeoutMs = 120_000): Promise<{ prefix: string; shards: number }> {
  let m: RegExpExecArray | null = null;
  await until('the coordinator to enqueue', () => (m = /sweep ([0-9a-f]{12}): (\d+) shards, \d+ enqueued/.exec(text())) !== null, timeoutMs);
  return { prefix: m![1], shards: Number(m![2]) };
}

/** The full sweep id of a logged prefix, from its results key in Redis. */
async function sweepIdFor(probe: ReturnType<typeof openRedis>, prefix: string): Promise<string> {
  let id = '';
  await until(`the results key of sweep ${prefix}`, async () => {
    const keys = await probe.keys(`${QUEUE_PREFIX}:sweep:${prefix}*:meta`);
    if (keys.length === 1) id = keys[0].split(':')[2];
    return id !== '';
  });
  return id;
}

/** Runs the sweep locally; returns its output folder. */
async function localSweep(config: string, name: string): Promise<string> {
  const out = join(dir, `${name}-local`);
  const r = await sweepCli(['--config', config, '--out', out]);
  if (r.code !== 0) throw new Error(`local sweep failed: ${r.err}`);
  return out;
}

interface Stored { sweepId: string; results: Record<string, string>; runs: Record<string, string> }

async function stored(sweepId: string): Promise<Stored> {
  const r = openRedis(redis.url);
  try {
    return { sweepId, results: await r.hgetall(KEYS.sweepResults(sweepId)), runs: await r.hgetall(KEYS.sweepRuns(sweepId)) };
  } finally {
    r.disconnect();
  }
}

const sweepIdOf = (text: string): string => {
  const m = /"sweepId":"([0-9a-f]{64})"/.exec(text);
  if (!m) throw new Error(`no sweep id in ${text.slice(0, 400)}`);
  return m[1];
};

/**
 * Every path appears once in sweep-paths.csv, and both CSVs (the kept ranked rows, every path
 * in path order; every metric as text) equal the local sweep's.
 */
function assertSameAsLocal(t: import('ava').ExecutionContext, out: string, local: string, paths: number): void {
  const read = (d: string, f: string) => readFileSync(join(d, f), 'utf8');
  const rows = read(out, 'sweep-paths.csv').trim().split('\n').slice(1);
  t.is(rows.length, paths);
  t.is(new Set(rows.map((r) => r.split(',')[0])).size, paths, 'each path once');
  t.is(read(out, 'sweep-paths.csv'), read(local, 'sweep-paths.csv'));
  t.is(read(out, 'sweep.csv'), read(local, 'sweep.csv'));
}

test.serial('3 workers: ranked results equal the local sweep metric for metric; the report names the workers', async (t) => {
  const g = { seed: 1, symbols: 3, bars: 8000, fast: 20, shardPaths: 100 };
  const config = configFile('parity', g);
  const local = await localSweep(config, 'parity');
  const out = join(dir, 'parity-dist');
  const r = await sweepCli(['--config', config, '--queue', redis.url, '--out', out]);
  t.is(r.code, 0, r.err);
  t.regex(r.err, /sweep \[#+\] \d+\/\d+ .*bar-combos\/s .*workers 3/, 'progress with rate and workers alive');
  assertSameAsLocal(t, out, local, 3 * 100 * 4);
  const json = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
  t.is(json.distributed.shards, 12);
  t.deepEqual(json.distributed.missing, []);
  t.is(json.distributed.workers.reduce((a: number, w: { shards: number }) => a + w.shards, 0), 12);
  for (const w of json.distributed.workers) t.true(['w1', 'w2', 'w3'].includes(w.worker));
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  for (const w of json.distributed.workers) t.true(html.includes(`>${w.worker}<`), `report lists ${w.worker}`);
  const s = await stored(json.distributed.sweepId);
  t.is(Object.keys(s.results).length, 12);
  t.deepEqual(Object.values(s.runs), Array(12).fill('1'), 'each shard ran once');
});

test.serial('a worker killed with -9 mid-shard: another takes its shard (stalled-job recovery), results complete and identical', async (t) => {
  const g = { seed: 2, symbols: 2, bars: 50_000, fast: 40, shardPaths: 200 };
  const config = configFile('kill-worker', g);
  const local = await localSweep(config, 'kill-worker');
  const out = join(dir, 'kill-worker-dist');
  const victim = workers[0];
  const before = victim.log.length;
  const running = sweepCli(['--config', config, '--queue', redis.url, '--out', out, '--json']);
  const [, jobId] = await waitForLog({ ...victim, get log() { return victim.log.slice(before); } } as WorkerProcess, /start job (\S+):/);
  victim.child.kill('SIGKILL');
  await victim.exited;
  t.notRegex(victim.log.slice(before), new RegExp(`done job ${jobId}:`), 'killed before finishing its shard');
  workers[0] = spawnWorker(redis.url, 'w4', LOCK_MS);
  const r = await running;
  t.is(r.code, 0, r.err);
  assertSameAsLocal(t, out, local, 2 * 200 * 4);
  const shard = Number(jobId.split('-').at(-1));
  const s = await stored(sweepIdOf(r.out));
  t.is(Object.keys(s.results).length, 8);
  t.not(JSON.parse(s.results[String(shard)]).worker, 'w1', 'the killed worker\'s shard was stored by another');
  await waitForLog(workers[0], /ready/);
});

test.serial('the coordinator killed with -9 and restarted with the same command resumes the same sweep and computes only missing shards', async (t) => {
  const g = { seed: 3, symbols: 3, bars: 20_000, fast: 40, shardPaths: 50 };
  const config = configFile('kill-coordinator', g);
  const local = await localSweep(config, 'kill-coordinator');
  const out = join(dir, 'kill-coordinator-dist');
  const args = ['--import', 'tsx', ENTRY, 'sweep', '--config', config, '--queue', redis.url, '--out', out];
  const n = shardCount(g);
  const first = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err1 = '';
  first.stderr.on('data', (d: Buffer) => { err1 += d.toString(); });
  const probe = openRedis(redis.url);
  let storedAtKill = 0;
  let sweepId = '';
  try {
    const { prefix, shards } = await loggedSweep(() => err1);
    t.is(shards, n);
    sweepId = await sweepIdFor(probe, prefix);
    await until('a first stored shard', async () => (await probe.hlen(KEYS.sweepResults(sweepId))) >= 1);
  } finally {
    first.kill('SIGKILL');
  }
  await new Promise((r) => first.once('exit', r));
  storedAtKill = await probe.hlen(KEYS.sweepResults(sweepId));
  probe.disconnect();
  t.true(storedAtKill >= 1);
  const second = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err2 = '';
  second.stderr.on('data', (d: Buffer) => { err2 += d.toString(); });
  const code = await new Promise<number | null>((r) => second.once('exit', r));
  t.is(code, 0, err2);
  t.regex(err2, new RegExp(`resuming sweep ${sweepId.slice(0, 12)}: \\d+ of ${n} shards already stored`));
  assertSameAsLocal(t, out, local, 3 * 200 * 4);
  const s = await stored(sweepId);
  t.deepEqual(Object.values(s.runs), Array(n).fill('1'), 'no shard computed twice');
});

test.serial('Redis restarted empty mid-sweep: the coordinator re-uploads candles, re-enqueues what is missing, and ends complete and identical', async (t) => {
  const g = { seed: 4, symbols: 3, bars: 20_000, fast: 40, shardPaths: 50 };
  const config = configFile('redis-restart', g);
  const local = await localSweep(config, 'redis-restart');
  const out = join(dir, 'redis-restart-dist');
  const io = captureIo();
  const running = sweepCli(['--config', config, '--queue', redis.url, '--out', out, '--json'], io);
  const probe = openRedis(redis.url);
  const { prefix, shards } = await loggedSweep(() => io.err);
  const sweepId = await sweepIdFor(probe, prefix);
  await until('a first stored shard', async () => (await probe.hlen(KEYS.sweepResults(sweepId))) >= 1);
  const storedBefore = await probe.hlen(KEYS.sweepResults(sweepId));
  probe.disconnect();
  t.true(storedBefore < shards, 'Redis goes down mid-sweep');
  await redis.restart();
  const r = await running;
  t.is(r.code, 0, r.err);
  t.regex(r.err, /Redis lost sweep [0-9a-f]{12} \(restarted empty\?\): re-uploading candles and re-enqueueing the \d+ shards whose rows are not made/);
  assertSameAsLocal(t, out, local, 3 * 200 * 4);
});

test.serial('a shard that fails every attempt is reported with its error; the result says which part is missing; the rows after it still stream in path order', async (t) => {
  const [good, bad, later] = syntheticMarket({ symbols: 3, bars: 3000, seed: 5 });
  bad.candles.close[100] = NaN;
  const rules = expandRuleGrid({ ema_cross: { fast: [5, 10], slow: [50, 100] } });
  const lines: string[] = [];
  const streamed: number[] = [];
  const res = await runDistributedSweep({ symbols: [good, bad, later], rules, risk: [{ stopDistance: 0.02 }] }, {
    url: redis.url, device: 'cpu', log: (l) => lines.push(l), reconcileMs: 1000, onRow: (r) => streamed.push(r.path),
  });
  const missing = res.distributed!.missing;
  t.is(missing.length, 1);
  t.like(missing[0], { shard: 1, symbol: 'SYN1', rules: 'ema_cross(5,50)..ema_cross(10,100)', risk: 'risk set 0', paths: 4 });
  t.regex(missing[0].error, /close/, 'the engine\'s own error');
  t.deepEqual(streamed, [0, 1, 2, 3, 8, 9, 10, 11], 'every gathered path once, in path order, past the missing shard');
  t.is(res.rows.length, 8);
  t.true(res.rows.every((r) => r.symbol !== 'SYN1'));
  t.true(lines.some((l) => /^shard 1 failed 3 times: /.test(l)));
  const conn = openRedis(redis.url);
  const q = new Queue(QUEUES[sweepShardJob.queue], { connection: conn, prefix: QUEUE_PREFIX });
  const job = await q.getJob(shardJobId(res.distributed!.sweepId, 1));
  t.is(job?.attemptsMade, 3);
  await q.close();
  conn.disconnect();
});

test.serial('SIGTERM mid-shard: the worker finishes its shard, stores it, and exits 0', async (t) => {
  const g = { seed: 6, symbols: 2, bars: 50_000, fast: 40, shardPaths: 200 };
  const config = configFile('sigterm', g);
  const local = await localSweep(config, 'sigterm');
  const out = join(dir, 'sigterm-dist');
  const w = workers[1];
  const before = w.log.length;
  const running = sweepCli(['--config', config, '--queue', redis.url, '--out', out, '--json']);
  const [, jobId] = await waitForLog({ ...w, get log() { return w.log.slice(before); } } as WorkerProcess, /start job (\S+):/);
  w.child.kill('SIGTERM');
  t.is(await w.exited, 0);
  const tail = w.log.slice(before);
  t.regex(tail, new RegExp(`SIGTERM: finishing the running shards, then exiting[\\s\\S]*done job ${jobId}: `));
  workers[1] = spawnWorker(redis.url, 'w5', LOCK_MS);
  const r = await running;
  t.is(r.code, 0, r.err);
  assertSameAsLocal(t, out, local, 2 * 200 * 4);
  const s = await stored(sweepIdOf(r.out));
  t.is(JSON.parse(s.results[jobId.split('-').at(-1)!]).worker, w.name, 'stored by the worker that was stopping');
  await waitForLog(workers[1], /ready/);
});

test.serial('a stored result that is not what a worker writes is dropped and that shard computed again', async (t) => {
  const symbols = syntheticMarket({ symbols: 2, bars: 2000, seed: 8 });
  const rules = expandRuleGrid({ ema_cross: { fast: [5, 10, 15], slow: [50, 100] } });
  const grid = { symbols, rules, risk: [{ stopDistance: 0.02 }, { stopDistance: 0.05 }] };
  const options = { url: redis.url, device: 'cpu' as const, shardBarCombos: 4 * 2000, reconcileMs: 500 };
  const first = await runDistributedSweep(grid, options);
  const sweepId = first.distributed!.sweepId;
  const probe = openRedis(redis.url);
  await probe.multi().hset(KEYS.sweepResults(sweepId), '1', '{"worker":"forged"}').hset(KEYS.sweepMetrics(sweepId), '1', Buffer.alloc(8)).exec();
  probe.disconnect();
  const lines: string[] = [];
  const second = await runDistributedSweep(grid, { ...options, log: (l) => lines.push(l) });
  t.true(lines.some((l) => l === 'shard 1: the stored result is unreadable or of the wrong size; computing it again'));
  t.deepEqual(second.rows.map((r) => [r.path, r.metrics]), first.rows.map((r) => [r.path, r.metrics]));
  t.true(second.distributed!.workers.every((w) => w.worker !== 'forged'));
  const s = await stored(sweepId);
  t.is(s.runs['1'], '2', 'the dropped shard ran again, once');
  t.true(Object.entries(s.runs).every(([k, n]) => k === '1' || n === '1'), 'the others were not recomputed');
});

test.serial('a grid the workers would reject fails in the coordinator, named, before any job is queued (also for a later symbol of a repeated block)', async (t) => {
  const [a, b] = syntheticMarket({ symbols: 2, bars: 400, seed: 12 });
  const rules = [{ kind: 'ema_cross' as const, fast: 5, slow: 20 }, { kind: 'ema_cross' as const, fast: 6, slow: 20 }];
  const conn = openRedis(redis.url);
  const q = new Queue(QUEUES[sweepShardJob.queue], { connection: conn, prefix: QUEUE_PREFIX });
  try {
    const before = await q.count();
    const err = await t.throwsAsync(runDistributedSweep({ symbols: [a, { ...b, symbol: 'BAD\u0001NAME' }], rules, risk: [{ stopDistance: 0.02 }] }, { url: redis.url, device: 'cpu' }));
    t.regex(err?.message ?? '', /cannot be sent to workers: data\.symbol = .* without control characters/);
    t.is(await q.count(), before, 'nothing queued');
  } finally {
    await q.close();
    conn.disconnect();
  }
});
