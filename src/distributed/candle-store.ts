/**
 * Candles reach workers by content, through Redis (no shared filesystem): the coordinator
 * stores each series once, compressed, under the SHA-256 of its raw column bytes; a worker
 * fetches a series by that hash, checks the hash, and keeps it in a bounded in-memory cache.
 *
 * Layout of the raw bytes: the six columns (CANDLE_COLUMNS order) as little-endian float64,
 * one after another, n values each. Stored: those bytes shuffled into 8 planes (byte k of every
 * value together), then zlib with run-length matching. The high bytes of prices and timestamps
 * barely change from bar to bar, so the planes compress to ~0.72 of the raw size in ~20 ms per
 * 4.8 MB, where plain deflate level 1 took ~120 ms for 0.85 (measured, bench/RESULTS.md).
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { constants, deflate, inflate } from 'node:zlib';

import type { Redis } from 'ioredis';

import { CANDLE_COLUMNS, type Candles } from '../data/candles.js';
import { KEYS } from './connection.js';

const COLUMNS = CANDLE_COLUMNS.length;
// On libuv's thread pool: several series compress at once and a worker's event loop keeps renewing its job lock.
const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);
/**
 * zlib output chunk: the default 16 KiB ones made inflating 4.8 MB take 2-4x longer and deflating
 * it ~1.4x the CPU (a callback and a copy per chunk, then the chunks gathered and copied again).
 */
const ZLIB_CHUNK = 8 * 2 ** 20;
/** Largest series a worker inflates (bytes before compression): 2^25 bars, 1.5 GiB. */
export const MAX_CANDLE_BYTES = COLUMNS * 8 * 2 ** 25;

/** Each column's bytes, in CANDLE_COLUMNS order: the raw layout, without copying it. */
function columnBytes(c: Candles): Uint8Array[] {
  const n = c.close.length;
  return CANDLE_COLUMNS.map((col) => new Uint8Array(c[col].buffer, c[col].byteOffset, n * 8));
}

/** The content id of a series: what putCandles stores it under and CandleCache fetches. */
export function seriesHash(c: Candles): string {
  return candleHash(columnBytes(c));
}

/** SHA-256 of the raw layout, given as its consecutive pieces. */
function candleHash(pieces: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const piece of pieces) h.update(piece);
  return h.digest('hex');
}

/**
 * Byte k of value i (of the raw layout, given as its 8-byte aligned pieces) goes to plane k,
 * position i: one pass, each value read as two little-endian 32-bit words and its bytes stored
 * to the 8 planes (a Uint8Array store keeps the low 8 bits): 23-29 ms per 4.8 MB here, where a
 * pass per plane reading bytes at a stride of 8 took 30-37 ms.
 */
function shuffleBytes(pieces: readonly Uint8Array[]): Buffer {
  const n = pieces.reduce((a, p) => a + p.length, 0) / 8;
  const out = Buffer.allocUnsafe(n * 8);
  const [p0, p1, p2, p3, p4, p5, p6, p7] = Array.from({ length: 8 }, (_, k) => out.subarray(k * n, (k + 1) * n));
  let i = 0;
  for (const piece of pieces) {
    const words = new Uint32Array(piece.buffer, piece.byteOffset, piece.length / 4);
    for (let w = 0; w < words.length; w += 2, i++) {
      const lo = words[w], hi = words[w + 1];
      p0[i] = lo; p1[i] = lo >>> 8; p2[i] = lo >>> 16; p3[i] = lo >>> 24;
      p4[i] = hi; p5[i] = hi >>> 8; p6[i] = hi >>> 16; p7[i] = hi >>> 24;
    }
  }
  return out;
}

/**
 * The inverse of shuffleBytes, into a fresh (aligned) buffer: one pass, each value's 8 bytes
 * gathered from the planes into two little-endian 32-bit words (the columns are read as
 * Float64Arrays of the platform's order, little-endian, as everywhere in the project). Writing
 * bytes plane by plane at a stride of 8 took ~5x longer (bench/RESULTS.md, "Distributed sweep").
 */
function unshuffleBytes(planes: Uint8Array): Uint8Array {
  const n = planes.length / 8;
  const raw = new Uint8Array(planes.length);
  const words = new Uint32Array(raw.buffer, 0, 2 * n);
  const [p0, p1, p2, p3, p4, p5, p6, p7] = Array.from({ length: 8 }, (_, k) => planes.subarray(k * n, (k + 1) * n));
  for (let i = 0; i < n; i++) {
    words[2 * i] = (p0[i] | (p1[i] << 8) | (p2[i] << 16) | (p3[i] << 24)) >>> 0;
    words[2 * i + 1] = (p4[i] | (p5[i] << 8) | (p6[i] << 16) | (p7[i] << 24)) >>> 0;
  }
  return raw;
}

function candlesFromBytes(raw: Uint8Array): Candles {
  const n = raw.length / (COLUMNS * 8);
  // Views of one fresh buffer: each column starts at a multiple of 8 bytes.
  return Object.fromEntries(CANDLE_COLUMNS.map((col, i) => [col, new Float64Array(raw.buffer, raw.byteOffset + i * n * 8, n)])) as unknown as Candles;
}

/** Stores the series if Redis does not hold it yet; returns its hash. */
export async function putCandles(redis: Redis, candles: Candles): Promise<{ hash: string; uploaded: boolean }> {
  const pieces = columnBytes(candles);
  const hash = candleHash(pieces);
  const key = KEYS.candles(hash);
  if (await redis.exists(key)) return { hash, uploaded: false };
  await redis.set(key, await deflateAsync(shuffleBytes(pieces), { level: 1, strategy: constants.Z_RLE, chunkSize: ZLIB_CHUNK }));
  return { hash, uploaded: true };
}

/** Worker side: fetches series by hash and keeps up to `maxBytes` of them, least recently used out first. */
export class CandleCache {
  private readonly entries = new Map<string, Candles>();
  private readonly pending = new Map<string, Promise<Candles>>();
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
    // One fetch per series, however many jobs ask for it meanwhile (a worker with --concurrency > 1).
    let pending = this.pending.get(hash);
    if (!pending) {
      pending = this.load(hash).finally(() => this.pending.delete(hash));
      this.pending.set(hash, pending);
    }
    return pending;
  }

  private async load(hash: string): Promise<Candles> {
    const packed = await this.redis.getBuffer(KEYS.candles(hash));
    if (packed === null) throw new Error(`candles ${hash} are not in Redis (the coordinator uploads them; was Redis restarted?)`);
    let planes: Buffer;
    try {
      planes = await inflateAsync(packed, { maxOutputLength: MAX_CANDLE_BYTES, chunkSize: ZLIB_CHUNK });
    } catch (e) {
      throw new Error(`candles ${hash}: cannot inflate (${(e as Error).message})`);
    }
    if (planes.length === 0 || planes.length % (COLUMNS * 8) !== 0) throw new Error(`candles ${hash}: ${planes.length} bytes is not a whole number of rows`);
    const bytes = unshuffleBytes(planes);
    if (candleHash([bytes]) !== hash) throw new Error(`candles ${hash}: the content does not match its hash`);
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
