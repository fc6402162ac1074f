/**
 * Candles by content through a real Redis: what a worker gets back is bit for bit what the
 * coordinator stored, a series is stored once under the hash of its raw columns, the stored
 * (byte-shuffled, compressed) form is smaller than the raw columns, and jobs asking for the same
 * series at once share one fetch.
 */
import test from 'ava';

import { CANDLE_COLUMNS } from '../../src/data/candles.js';
import { syntheticMarket } from '../../src/data/synthetic.js';
import { CandleCache, putCandles, seriesHash } from '../../src/distributed/candle-store.js';
import { KEYS, openRedis } from '../../src/distributed/connection.js';
import { TestRedis } from '../helpers/redis-server.js';

test('candles round-trip bit for bit, are stored once and compressed, and concurrent gets share one fetch', async (t) => {
  const redis = await TestRedis.start();
  const conn = openRedis(redis.url);
  try {
    // Odd length: the byte planes are not a multiple of anything convenient.
    const [a, b] = syntheticMarket({ symbols: 2, bars: 1237, seed: 5 });
    const put = await putCandles(conn, a.candles);
    t.true(put.uploaded);
    t.is(put.hash, seriesHash(a.candles));
    t.false((await putCandles(conn, a.candles)).uploaded, 'the same content is not stored twice');
    t.not(seriesHash(b.candles), put.hash);

    const stored = await conn.getBuffer(KEYS.candles(put.hash));
    const raw = CANDLE_COLUMNS.length * 8 * a.candles.close.length;
    t.true(stored !== null && stored.length < 0.9 * raw, `stored ${stored?.length} bytes of ${raw} raw`);

    const cache = new CandleCache(conn);
    const [x, y] = await Promise.all([cache.get(put.hash), cache.get(put.hash)]);
    t.is(cache.fetched, 1, 'two jobs asking at once: one fetch');
    t.is(x, y);
    for (const col of CANDLE_COLUMNS) {
      t.deepEqual(Array.from(x[col]), Array.from(a.candles[col]), col);
      t.is(x[col].length, a.candles.close.length);
    }
    await cache.get(put.hash);
    t.is(cache.fetched, 1, 'cached after the first fetch');

    // What Redis holds is checked against its key: a swapped blob is refused, not used.
    const other = await putCandles(conn, b.candles);
    await conn.set(KEYS.candles(put.hash), (await conn.getBuffer(KEYS.candles(other.hash)))!);
    await t.throwsAsync(new CandleCache(conn).get(put.hash), { message: /does not match its hash/ });
  } finally {
    conn.disconnect();
    await redis.stop();
  }
});
