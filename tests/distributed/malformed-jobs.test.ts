/**
 * Hostile and malformed jobs against a real worker process: each is failed at once with its id
 * and the reason (no retries, nothing run), the worker never crashes, and a valid shard queued
 * after them all is still computed.
 */
import test from 'ava';
import { deflateSync } from 'node:zlib';

import { Queue } from 'bullmq';

import { resolveConfig } from '../../src/config/index.js';
import { syntheticMarket } from '../../src/data/synthetic.js';
import { putCandles } from '../../src/distributed/candle-store.js';
import { KEYS, QUEUES, QUEUE_PREFIX, openRedis, type QueueName } from '../../src/distributed/connection.js';
import { SEARCH_TRIAL, searchTrialJob } from '../../src/distributed/search-trial.js';
import { SWEEP_SHARD } from '../../src/distributed/sweep-shard.js';
import { TestRedis } from '../helpers/redis-server.js';
import { startWorkers, stopWorkers, until } from './workers.js';

test('30+ kinds of malformed jobs (sweep shards and search trials) are rejected with id and reason, and the worker carries on', async (t) => {
  const redis = await TestRedis.start();
  const [worker] = await startWorkers(redis.url, ['guard'], 3000);
  const conn = openRedis(redis.url);
  const queues = Object.fromEntries((Object.keys(QUEUES) as QueueName[]).map((q) => [q, new Queue(QUEUES[q], { connection: conn, prefix: QUEUE_PREFIX })])) as Record<QueueName, Queue>;
  const queue = queues.shards;
  try {
    const [sym] = syntheticMarket({ symbols: 1, bars: 500, seed: 9 });
    const { hash } = await putCandles(conn, sym.candles);
    const sweepId = 'a'.repeat(64);
    const valid = {
      v: 1, sweepId, shard: 0, symbol: 'SYN0', candles: hash, device: 'cpu',
      rules: [{ kind: 'ema_cross', fast: 5, slow: 20 }], risk: [{ stopDistance: 0.02, feeBps: 10 }],
    };
    const w = (patch: Record<string, unknown>) => ({ ...valid, ...patch });
    // A well-formed search trial (its config as a coordinator sends it: no runtime, no output), then variants of it.
    const { runtime: _runtime, output: _output, ...studyConfig } = resolveConfig({ values: { search: { space: ['training.learningRate: float 1e-3..3e-2 log', 'model.lstm.units: int 4..12 step 4'] } } });
    const sent = { ...studyConfig, search: { ...studyConfig.search, out: null } };
    const trial = { v: 1, studyId: 'd'.repeat(64), trial: 0, config: sent, params: { 'training.learningRate': 0.01, 'model.lstm.units': 8 }, series: [{ symbol: 'SYN0', candles: hash }] };
    t.deepEqual(searchTrialJob.parse(JSON.parse(JSON.stringify(trial))).params, trial.params, 'the unaltered trial passes');
    const st = (patch: Record<string, unknown>) => ({ ...trial, ...patch });
    const deep: Record<string, unknown> = {};
    let cur = deep;
    for (let i = 0; i < 2000; i++) { cur.a = {}; cur = cur.a as Record<string, unknown>; }
    // [job name, data, what the reason must say]
    const cases: [string, unknown, RegExp][] = [
      ['evalCode', { code: 'process.exit(1)' }, /job name "evalCode" is not a job kind/],
      ['constructor', valid, /job name "constructor" is not a job kind/],
      ['__proto__', valid, /job name "__proto__" is not a job kind/],
      [SWEEP_SHARD, 'require("child_process").exec("rm -rf /")', /data = "require.* must be an object/],
      [SWEEP_SHARD, null, /data = null must be an object/],
      [SWEEP_SHARD, [1, 2, 3], /data = an array of 3 must be an object/],
      [SWEEP_SHARD, { ...valid, sweepId: undefined }, /data\.sweepId .*is required/],
      [SWEEP_SHARD, w({ extra: 1 }), /data\.extra .*is not allowed/],
      [SWEEP_SHARD, JSON.parse(`{"__proto__":{"polluted":true},${JSON.stringify(valid).slice(1)}`), /data\.__proto__ .*is not allowed/],
      [SWEEP_SHARD, w({ sweepId: '../../etc/passwd' }), /data\.sweepId = "\.\.\/\.\.\/etc\/passwd" must be 64 lowercase hex digits/],
      [SWEEP_SHARD, w({ candles: '../../../etc/shadow' }), /data\.candles = .* must be 64 lowercase hex digits/],
      [SWEEP_SHARD, w({ shard: -1 }), /data\.shard = -1 must be an integer/],
      [SWEEP_SHARD, w({ shard: 1.5 }), /data\.shard = 1\.5 must be an integer/],
      [SWEEP_SHARD, w({ v: 2 }), /data\.v = 2 must be an integer in \[1, 1\]/],
      [SWEEP_SHARD, w({ rules: { kind: 'ema_cross' } }), /data\.rules = an object must be an array/],
      [SWEEP_SHARD, w({ rules: [] }), /data\.rules = an array of 0 must hold 1\.\.100000 items/],
      [SWEEP_SHARD, w({ rules: [{ kind: 'exec', fast: 1, slow: 2 }] }), /data\.rules\[0\]\.kind = "exec" must be one of ema_cross, sma_cross, rsi/],
      [SWEEP_SHARD, w({ rules: [{ kind: 'ema_cross', fast: 30, slow: 20 }] }), /fast = 30 must be < slow = 20/],
      [SWEEP_SHARD, w({ rules: [{ kind: 'ema_cross', fast: 'process.exit(1)', slow: 20 }] }), /data\.rules\[0\]\.fast = "process\.exit\(1\)" must be an integer/],
      [SWEEP_SHARD, w({ rules: [{ kind: 'rsi', period: 14, lower: 80, upper: 20 }] }), /lower = 80 must be < upper = 20/],
      [SWEEP_SHARD, w({ risk: [{ leverage: 100 }] }), /data\.risk\[0\]\.leverage .*is not allowed/],
      [SWEEP_SHARD, w({ risk: [{ feeBps: '10' }] }), /data\.risk\[0\]\.feeBps = "10" must be a number/],
      [SWEEP_SHARD, w({ risk: [{ riskFraction: -1 }] }), /riskFraction = -1 must be a finite number > 0/],
      [SWEEP_SHARD, w({ device: 'gpu0' }), /data\.device = "gpu0" must be one of auto, cpu, cuda/],
      [SWEEP_SHARD, w({ symbol: 'BTC\u0000USDT' }), /data\.symbol = .* without control characters/],
      [SWEEP_SHARD, w({ rules: Array.from({ length: 120_000 }, () => ({ kind: 'ema_cross', fast: 5, slow: 20 })) }), /payload is \d+ bytes; the limit is 4194304/],
      [SWEEP_SHARD, deep, /data\.a .*is not allowed/],
      [SEARCH_TRIAL, st({ config: { ...sent, output: { runDir: '/etc' } } }), /data\.config\.output is not allowed/],
      [SEARCH_TRIAL, st({ config: { ...sent, training: { ...sent.training, epochs: -1 } } }), /data\.config\.training\.epochs/],
      [SEARCH_TRIAL, st({ config: { ...sent, search: { ...sent.search, space: ['runtime.threads: int 1..4'] } } }), /runtime\.threads cannot be searched/],
      [SEARCH_TRIAL, st({ params: { ...trial.params, 'training.learningRate': 5 } }), /data\.params\.training\.learningRate = 5 must be a number in \[0\.001, 0\.03\]/],
      [SEARCH_TRIAL, st({ params: { ...trial.params, 'model.lstm.units': 8.5 } }), /data\.params\.model\.lstm\.units = 8\.5 must be an integer in \[4, 12\]/],
      [SEARCH_TRIAL, st({ params: { ...trial.params, 'output.runDir': '/tmp/x' } }), /data\.params\.output\.runDir is not a parameter of the config's search\.space/],
      [SEARCH_TRIAL, st({ params: { 'training.learningRate': 0.01 } }), /data\.params\.model\.lstm\.units is required/],
      [SEARCH_TRIAL, st({ series: [{ symbol: 'SYN0', candles: '../../x' }] }), /data\.series\[0\]\.candles = .* must be 64 lowercase hex digits/],
      [SEARCH_TRIAL, st({ trial: -3 }), /data\.trial = -3 must be an integer/],
      [SEARCH_TRIAL, st({ config: { ...sent, notes: 'x'.repeat(1_100_000) } }), /payload is \d+ bytes; the limit is 1048576/],
    ];
    t.true(cases.length >= 30);
    // Every case on each queue: a worker checks what comes on either the same way.
    const ids = (Object.keys(queues) as QueueName[]).flatMap((q) => cases.map((_, i) => ({ q, i, id: `bad-${q}-${i}` })));
    for (const { q, i, id } of ids) await queues[q].add(cases[i][0], cases[i][1], { jobId: id, attempts: 3 });
    // Hostile content behind a well-formed hash: not zlib, and zlib of bytes that do not hash to their key.
    await conn.set(KEYS.candles('b'.repeat(64)), Buffer.from('not zlib at all'));
    await conn.set(KEYS.candles('c'.repeat(64)), deflateSync(Buffer.alloc(48 * 10)));
    await queue.add(SWEEP_SHARD, w({ candles: 'b'.repeat(64) }), { jobId: 'blob-garbage', attempts: 1 });
    await queue.add(SWEEP_SHARD, w({ candles: 'c'.repeat(64) }), { jobId: 'blob-wrong-hash', attempts: 1 });
    await queue.add(SWEEP_SHARD, valid, { jobId: 'good', attempts: 1 });
    await until('the valid shard after them', async () => (await conn.hexists(KEYS.sweepResults(sweepId), '0')) === 1, 60_000);
    // A big payload can outlast its lock on a loaded machine; it is then rejected again after stalled-job recovery.
    await until('every malformed job to end failed', async () => {
      const states = await Promise.all(ids.map(({ q, id }) => queues[q].getJobState(id)));
      return states.every((s) => s === 'failed');
    }, 60_000, 200);
    for (const { q, i, id } of ids) {
      const reason = cases[i][2];
      const job = await queues[q].getJob(id);
      t.is(await queues[q].getJobState(id), 'failed', id);
      t.regex(job?.failedReason ?? '', /^rejected: /, id);
      t.regex(job?.failedReason ?? '', reason, id);
      t.is(job?.attemptsMade, 1, `${id}: failed once, no retries`);
      t.true(worker.log.includes(`rejected job ${id}: `), `${id} logged`);
    }
    t.regex((await queue.getJob('blob-garbage'))?.failedReason ?? '', /candles b{64}: cannot inflate/);
    t.regex((await queue.getJob('blob-wrong-hash'))?.failedReason ?? '', /candles c{64}: the content does not match its hash/);
    t.is(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
    t.is(worker.child.exitCode, null, 'the worker is still running');
    t.regex(worker.log, /done job good: 1 paths in/);
  } finally {
    await Promise.all(Object.values(queues).map((q) => q.close()));
    conn.disconnect();
    t.deepEqual(await stopWorkers([worker]), [0], 'SIGTERM: clean exit');
    await redis.stop();
  }
});
