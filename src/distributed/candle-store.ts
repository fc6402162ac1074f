/**
 * Candles reach workers by content, through Redis (no shared filesystem): the coordinator
 * stores each series once, zlib-compressed, under the SHA-256 of its raw column bytes; a worker
 * fetches a series by that hash, checks the hash, and keeps it in a bounded in-memory cache.
 *
 * Layout of the raw bytes: the six columns (CANDLE_COLUMNS order) as little-endian float64,
 * one after another, n values each.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { deflate, inflate } from 'node:zlib';

import type { Redis } from 'ioredis';

import { CANDLE_COLUMNS, type Candles } from '../data/candles.js';
import { KEYS } from './connection.js';

const COLUMNS = CANDLE_COLUMNS.length;
// On libuv's thread pool: several series compress at once and a worker's event loop keeps renewing its job lock.
const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);
/** Largest series a worker inflates (bytes before compression): 2^25 bars, 1.5 GiB. */
export const MAX_CANDLE_BYTES = COLUMNS * 8 * 2 ** 25;

export function candleBytes(c: Candles): Buffer {
  const n = c.close.length;
  const out = Buffer.alloc(n * COLUMNS * 8);
  CANDLE_COLUMNS.forEach((col, i) => {
    const bytes = Buffer.from(c[col].buffer, c[col].byteOffset, n * 8);
    bytes.copy(out, i * n * 8);
  });
  return out;
}

export function candleHash(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function candlesFromBytes(bytes: Buffer): Candles {
  const n = bytes.length / (COLUMNS * 8);
  // A fresh, aligned copy per column (Buffer slices may sit at any offset of a pooled buffer).
  const column = (i: number) => new Float64Array(bytes.buffer.slice(bytes.byteOffset + i * n * 8, bytes.byteOffset + (i + 1) * n * 8));
  return Object.fromEntries(CANDLE_COLUMNS.map((col, i) => [col, column(i)])) as unknown as Candles;
}

/** Stores the series if Redis does not hold it yet; returns its hash. */
export async function putCandles(redis: Redis, candles: Candles): Promise<{ hash: string; uploaded: boolean }> {
  const bytes = candleBytes(candles);
  const hash = candleHash(bytes);
  const key = KEYS.candles(hash);
  if (await redis.exists(key)) return { hash, uploaded: false };
  // Level 1: float64 columns gain little from harder compression (measured: level 6 took 40% longer for 0.1% smaller).
  await redis.set(key, await deflateAsync(bytes, { level: 1 }));
  return { hash, uploaded: true };
}

/** Worker side: fetches series by hash and keeps up to `maxBytes` of them, least recently used out first. */
export class CandleCache {
  private readonly entries = new Map<string, Candles>();
  private bytes = 0;
  fetched = 0;

  constructor(private readonly redis: Redis, private readonly maxBytes = 1024 * 2 ** 20) {}

  async get(hash: string): Promise<Candles> {
    const hit = this.entries.get(hash);
    if (hit) {
      this.entries.delete(hash);
      this.entries.set(hash, hit);
      return hit;
    }
    const packed = await this.redis.getBuffer(KEYS.candles(hash));
    if (packed === null) throw new Error(`candles ${hash} are not in Redis (the coordinator uploads them; was Redis restarted?)`);
    let bytes: Buffer;
    try {
      bytes = await inflateAsync(packed, { maxOutputLength: MAX_CANDLE_BYTES });
    } catch (e) {
      throw new Error(`candles ${hash}: cannot inflate (${(e as Error).message})`);
    }
    if (bytes.length === 0 || bytes.length % (COLUMNS * 8) !== 0) throw new Error(`candles ${hash}: ${bytes.length} bytes is not a whole number of rows`);
    if (candleHash(bytes) !== hash) throw new Error(`candles ${hash}: the content does not match its hash`);
    const candles = candlesFromBytes(bytes);
    this.fetched += 1;
    this.entries.set(hash, candles);
    this.bytes += bytes.length;
    for (const [key, c] of this.entries) {
      if (this.bytes <= this.maxBytes || key === hash) break;
      this.entries.delete(key);
      this.bytes -= c.close.length * COLUMNS * 8;
    }
    return candles;
  }
}
