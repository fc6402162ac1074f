/** Shard planning, sweep ids, queue URLs and the CLI's usage errors: no Redis needed. */
import test from 'ava';

import { captureIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { checkQueueUrl, planShards, QueueUrlError, redactUrl, runDistributedSweep } from '../../src/distributed/index.js';
import { syntheticMarket } from '../../src/data/synthetic.js';
import { expandRuleGrid } from '../../src/backtest/sweep.js';
import { contentId } from '../../src/distributed/shards.js';
import { metricsFromBytes } from '../../src/distributed/sweep-shard.js';
import { pathIndex } from '../../src/backtest/native.js';

test('shards cover every (symbol, rule, risk) path exactly once, each near the target size', (t) => {
  const bars = [1000, 5000, 20_000];
  for (const [R, P, target] of [[37, 4, 50_000], [5, 300, 200_000], [3, 7, 1], [10, 10, 1e12]] as const) {
    const shards = planShards(bars, R, P, target);
    const seen = new Map<string, number>();
    shards.forEach((sh, i) => {
      t.is(sh.shard, i);
      for (let r = sh.rule0; r < sh.rule0 + sh.rules; r++) for (let p = sh.risk0; p < sh.risk0 + sh.risks; p++) {
        const key = `${sh.symbol}/${r}/${p}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      // A shard stays within the target unless a single path is larger.
      t.true(sh.rules * sh.risks * bars[sh.symbol] <= Math.max(target, bars[sh.symbol]), `shard ${i} size`);
    });
    t.is(seen.size, bars.length * R * P);
    t.true([...seen.values()].every((n) => n === 1));
    // In path order, each a contiguous range of paths: the coordinator streams rows shard after shard.
    let next = 0;
    for (const sh of shards) {
      t.is(pathIndex({ rules: R, params: P }, sh.symbol, sh.rule0, sh.risk0), next);
      t.true(sh.risks === P || sh.rules === 1, 'a partial risk block holds one rule');
      next += sh.rules * sh.risks;
    }
  }
  // Risk sets stay together when they fit, so a rule's indicator is computed once per shard.
  t.true(planShards([1000], 20, 4, 8000).every((sh) => sh.risks === 4 && sh.rules === 2));
  t.throws(() => planShards([10], 1, 1, 0), { instanceOf: RangeError, message: /shard size = 0/ });
});

test('sweep ids are deterministic in the inputs', (t) => {
  const a = contentId({ rules: [{ kind: 'ema_cross', fast: 5, slow: 20 }], risk: [{ stopDistance: Infinity }] });
  t.is(a, contentId({ rules: [{ kind: 'ema_cross', fast: 5, slow: 20 }], risk: [{ stopDistance: Infinity }] }));
  t.not(a, contentId({ rules: [{ kind: 'ema_cross', fast: 5, slow: 21 }], risk: [{ stopDistance: Infinity }] }));
  t.regex(a, /^[0-9a-f]{64}$/);
});

test('queue URLs: redis:// and rediss:// with passwords and a database pass; anything else is named', (t) => {
  for (const ok of ['redis://127.0.0.1:6379', 'redis://h:6380/3', 'rediss://user:secret@cache.example:6380/0', 'redis://:pw@h']) t.is(checkQueueUrl(ok), ok);
  t.throws(() => checkQueueUrl('http://h:6379'), { instanceOf: QueueUrlError, message: /--queue = "http:\/\/h:6379" must start with redis:\/\/ or rediss:\/\// });
  t.throws(() => checkQueueUrl('localhost:6379', 'runtime.queue.url'), { instanceOf: QueueUrlError, message: /runtime\.queue\.url = "localhost:6379"/ });
  t.throws(() => checkQueueUrl('redis://h:6379/x'), { message: /database "x" must be a number/ });
  t.throws(() => checkQueueUrl('not a url'), { message: /is not a URL/ });
  t.is(redactUrl('rediss://user:secret@h:6380/1'), 'rediss://user:***@h:6380/1');
});

test('CLI: worker without a queue, a bad --queue, a bad --concurrency and sweep --queue with the model strategy exit 2 naming the flag', async (t) => {
  const run = async (argv: string[]) => {
    const io = captureIo();
    return { code: await main(argv, io), err: io.err };
  };
  let r = await run(['worker']);
  t.is(r.code, 2);
  t.regex(r.err, /ntp worker needs --queue redis:\/\/HOST:PORT/);
  r = await run(['worker', '--queue', 'http://127.0.0.1:1']);
  t.is(r.code, 2);
  t.regex(r.err, /--queue = "http:\/\/127\.0\.0\.1:1" must start with redis:\/\//);
  r = await run(['worker', '--queue', 'redis://127.0.0.1:1', '--concurrency', '0']);
  t.is(r.code, 2);
  t.regex(r.err, /--concurrency = 0 must be an integer in \[1, 256\]/);
  r = await run(['sweep', '--set', 'runtime.queue.url=ftp://x']);
  t.is(r.code, 2);
  t.regex(r.err, /runtime\.queue\.url/);
  r = await run(['sweep', '--queue', 'redis://127.0.0.1:1', '--set', 'sweep.strategy=model']);
  t.is(r.code, 2);
  t.regex(r.err, /sweep --queue runs rule strategies/);
});

test('stored metric bytes read as float64s: a view when aligned, a copy when not, null when not whole values', (t) => {
  const values = new Float64Array([1.5, -0, NaN, Infinity, 1e-300]);
  const aligned = Buffer.from(values.buffer);
  const view = metricsFromBytes(aligned)!;
  t.deepEqual([...view], [...values]);
  t.is(view.buffer, aligned.buffer, 'no copy');
  const shifted = Buffer.alloc(values.byteLength + 1).subarray(1);
  aligned.copy(shifted);
  const copy = metricsFromBytes(shifted)!;
  t.deepEqual([...copy], [...values]);
  t.not(copy.buffer, shifted.buffer);
  t.is(metricsFromBytes(aligned.subarray(0, 12)), null);
});

test('a bad keep or rankBy fails before Redis is reached (nothing listens on the port)', async (t) => {
  const grid = { symbols: syntheticMarket({ symbols: 1, bars: 300, seed: 1 }), rules: expandRuleGrid({ ema_cross: { fast: [5], slow: [50] } }), risk: [{}] };
  await t.throwsAsync(runDistributedSweep(grid, { url: 'redis://127.0.0.1:1', keep: 0 }), { instanceOf: RangeError, message: /keep = 0 must be an integer >= 1/ });
  await t.throwsAsync(runDistributedSweep(grid, { url: 'redis://127.0.0.1:1', rankBy: 'nope' as never }), { instanceOf: RangeError, message: /rankBy = "nope"/ });
});
