/**
 * A queued sweep's rows in path order (ShardRows) over a real Redis: shards gathered out of
 * order wait (their metrics stay in Redis) until the shards before them are in; at the end the
 * failed ones are skipped; metrics Redis lost are reported for computing again.
 */
import test from 'ava';

import { METRIC_NAMES } from '../../src/backtest/metrics.js';
import { expandRuleGrid } from '../../src/backtest/sweep.js';
import { SweepRows } from '../../src/backtest/sweep-rows.js';
import { KEYS, openRedis } from '../../src/distributed/connection.js';
import { ShardRows, shardMetricBytes } from '../../src/distributed/shard-rows.js';
import { planShards } from '../../src/distributed/shards.js';
import { TestRedis } from '../helpers/redis-server.js';

// 2 symbols x 3 rules x 2 risk sets, one rule per shard: 6 shards of 2 paths each.
const grid = { symbols: [{ symbol: 'AAA' }, { symbol: 'BBB' }], rules: expandRuleGrid({ ema_cross: { fast: [5, 8, 12], slow: [50] } }), risk: [{}, { stopDistance: 0.02 }] };
const shards = planShards([100, 100], 3, 2, 200);
const ID = 'f'.repeat(64);

/** A shard's metrics as a worker stores them: every metric of path p equal to p. */
function metricBytes(k: number): Buffer {
  const sh = shards[k], first = (sh.symbol * 3 + sh.rule0) * 2 + sh.risk0;
  const m = new Float64Array(sh.rules * sh.risks * METRIC_NAMES.length);
  m.forEach((_, i) => { m[i] = first + Math.floor(i / METRIC_NAMES.length); });
  return Buffer.from(m.buffer);
}

test('rows come in path order whatever order shards arrive in; at the end failed shards are skipped; lost metrics are named', async (t) => {
  t.is(shards.length, 6);
  t.true(shards.every((sh, k) => metricBytes(k).length === shardMetricBytes(sh)));
  const redis = await TestRedis.start();
  const conn = openRedis(redis.url);
  try {
    const streamed: number[] = [];
    const rows = new SweepRows(grid, { rankBy: 'sharpe', onRow: (r) => { t.is(r.metrics.trades, r.path); streamed.push(r.path); } });
    const shardRows = new ShardRows(conn, ID, shards, { rules: 3, params: 2 }, rows);
    const gathered = new Map<number, true>();
    const arrive = async (k: number) => {
      await conn.hset(KEYS.sweepMetrics(ID), String(k), metricBytes(k));
      gathered.set(k, true);
    };
    for (const k of [2, 3]) await arrive(k);
    t.deepEqual(await shardRows.advance(gathered, false), []);
    t.deepEqual(streamed, [], 'shards 2 and 3 wait for 0 and 1');
    t.deepEqual(shardRows.unmade(gathered), [2, 3]);
    await arrive(0);
    await shardRows.advance(gathered, false);
    t.deepEqual(streamed, [0, 1]);
    // Shard 1 gathered but its metrics gone (Redis restarted empty): named, nothing made past it.
    gathered.set(1, true);
    t.deepEqual(await shardRows.advance(gathered, false), [1]);
    t.deepEqual(streamed, [0, 1]);
    gathered.delete(1);
    await arrive(1);
    await arrive(5);
    await shardRows.advance(gathered, false);
    t.deepEqual(streamed, [0, 1, 2, 3, 4, 5, 6, 7], 'shards 1, 2, 3 in order; 5 waits for 4');
    // Shard 4 failed every attempt: at the end, 5 comes past it.
    t.deepEqual(await shardRows.advance(gathered, true), []);
    t.deepEqual(streamed, [0, 1, 2, 3, 4, 5, 6, 7, 10, 11]);
    t.deepEqual(shardRows.unmade(gathered), []);
    t.true(shardRows.passed(4), 'the skipped shard is final: a late result for it is not taken');
    t.deepEqual(await shardRows.advance(new Map([...gathered, [4, true]]), true), []);
    t.deepEqual(streamed, [0, 1, 2, 3, 4, 5, 6, 7, 10, 11]);
    // Metrics of the wrong size count as lost.
    const other = new ShardRows(conn, ID, shards, { rules: 3, params: 2 }, new SweepRows(grid, { rankBy: 'sharpe' }));
    await conn.hset(KEYS.sweepMetrics(ID), '0', metricBytes(0).subarray(8));
    t.deepEqual(await other.advance(new Map([[0, true], [1, true]]), false), [0]);
  } finally {
    conn.disconnect();
    await redis.stop();
  }
});

test('after the rows\' consumer throws, every later call throws the same error and no row is made twice', async (t) => {
  const redis = await TestRedis.start();
  const conn = openRedis(redis.url);
  try {
    for (const k of [0, 1]) await conn.hset(KEYS.sweepMetrics(ID), String(k), metricBytes(k));
    const streamed: number[] = [];
    const full = new Error('disk full');
    const rows = new SweepRows(grid, { rankBy: 'sharpe', onRow: (r) => { if (r.path === 3) throw full; streamed.push(r.path); } });
    const shardRows = new ShardRows(conn, ID, shards, { rules: 3, params: 2 }, rows);
    const gathered = new Map([[0, true], [1, true]]);
    t.is(await t.throwsAsync(shardRows.advance(gathered, false)), full);
    t.is(await t.throwsAsync(shardRows.advance(gathered, false)), full);
    t.deepEqual(streamed, [0, 1, 2]);
  } finally {
    conn.disconnect();
    await redis.stop();
  }
});
