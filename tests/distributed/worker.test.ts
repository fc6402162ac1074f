import test from 'ava';
import { Queue } from 'bullmq';

import { syntheticMarket } from '../../src/data/synthetic.js';
import { putCandles } from '../../src/distributed/candle-store.js';
import { computeSlots } from '../../src/distributed/compute-slots.js';
import { KEYS, QUEUES, QUEUE_PREFIX, openRedis } from '../../src/distributed/connection.js';
import { startWorker } from '../../src/distributed/index.js';
import { SWEEP_SHARD, sweepShardJob } from '../../src/distributed/sweep-shard.js';
import { TestRedis } from '../helpers/redis-server.js';
import { until } from './workers.js';

test('compute slots: at most `slots` run at once, in the order they asked; a failed job frees its slot', async (t) => {
  const run = computeSlots(2);
  let running = 0, most = 0;
  const order: number[] = [];
  const job = (i: number, fail = false) => run(async () => {
    order.push(i);
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, 5));
    running--;
    if (fail) throw new Error(`job ${i}`);
    return i;
  });
  const results = await Promise.allSettled([job(0), job(1, true), job(2), job(3), job(4)]);
  t.is(most, 2);
  t.deepEqual(order, [0, 1, 2, 3, 4]);
  t.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
  t.throws(() => computeSlots(0), { instanceOf: RangeError });
});

test('a worker with one compute slot holds one sweep shard ahead (two active, its candles fetched), never more, and stores every shard once', async (t) => {
  const redis = await TestRedis.start();
  const conn = openRedis(redis.url);
  const queue = new Queue(QUEUES[sweepShardJob.queue], { connection: conn, prefix: QUEUE_PREFIX });
  const worker = await startWorker({ url: redis.url, name: 'ahead', concurrency: 1, lockMs: 30_000 });
  try {
    // Shards of ~1e8 bar-combos (tens of ms or more each), each its own series so each fetches.
    const series = syntheticMarket({ symbols: 4, bars: 50_000, seed: 5 });
    const sweepId = 'e'.repeat(64);
    const rules = Array.from({ length: 50 }, (_, i) => [60, 100, 150, 200, 250].map((slow) => ({ kind: 'ema_cross', fast: 5 + i, slow }))).flat();
    const risk = [0.02, 0.05].flatMap((stopDistance) => [5, 10].map((feeBps) => ({ stopDistance, feeBps })));
    for (const [shard, s] of series.entries()) {
      const { hash } = await putCandles(conn, s.candles);
      await queue.add(SWEEP_SHARD, { v: 1, sweepId, shard, symbol: s.symbol, candles: hash, device: 'cpu', rules, risk }, { jobId: `ahead-${shard}` });
    }
    let most = 0;
    await until('every shard stored', async () => {
      most = Math.max(most, await queue.getActiveCount());
      return (await conn.hlen(KEYS.sweepResults(sweepId))) === series.length;
    }, 120_000, 5);
    t.is(most, 2, 'one shard computing, one held with its candles');
    const runs = await conn.hgetall(KEYS.sweepRuns(sweepId));
    t.deepEqual(Object.values(runs), Array(series.length).fill('1'));
    t.is(worker.stats.done, series.length);
  } finally {
    await worker.close();
    await queue.close();
    conn.disconnect();
    await redis.stop();
  }
});
