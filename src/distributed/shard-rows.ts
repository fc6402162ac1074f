/**
 * A queued sweep's rows, made in path order: shards are planned in path order, each a
 * contiguous range of paths (shards.ts), so a shard's rows are made once every shard before it
 * is in. Its metrics are read from Redis only then, a few shards at a time, so the coordinator
 * holds the kept rows and one batch of metrics, whatever order the shards finish in.
 */
import type { Redis } from 'ioredis';

import { METRIC_NAMES, pathIndex, type SweepRows } from '../backtest/index.js';
import { KEYS } from './connection.js';
import type { Shard } from './shards.js';
import { metricsFromBytes } from './sweep-shard.js';

/** Shards whose metrics are read per Redis round trip (~3.4 MB each at the default shard size). */
const BATCH = 2;

/** Bytes of a shard's stored metrics: what a worker writes (its paths x METRIC_NAMES, float64). */
export const shardMetricBytes = (sh: Shard): number => sh.rules * sh.risks * METRIC_NAMES.length * 8;

export class ShardRows {
  private next = 0;
  /** What the rows' consumer (onRow) threw: the rows are not made again after it (no row twice). */
  private broken: unknown = null;

  constructor(
    private readonly redis: Redis,
    private readonly sweepId: string,
    private readonly shards: readonly Shard[],
    private readonly shape: { rules: number; params: number },
    private readonly rows: SweepRows,
  ) {}

  /** Whether the rows have passed shard k: made, or skipped at the end as not gathered. Either is final. */
  passed(k: number): boolean {
    return k < this.next;
  }

  /** Gathered shards whose rows are not made yet (their metrics are still only in Redis). */
  unmade(gathered: ReadonlyMap<number, unknown>): number[] {
    return [...gathered.keys()].filter((k) => k >= this.next);
  }

  /**
   * Makes the rows of the gathered shards next in path order; at the `end`, past the shards
   * that are not gathered (failed). Returns the shards whose metrics Redis no longer holds (it
   * restarted empty after they were gathered): the caller computes them again; rows wait.
   * Once the rows' consumer has thrown, every call throws that error again.
   */
  async advance(gathered: ReadonlyMap<number, unknown>, end: boolean): Promise<number[]> {
    if (this.broken !== null) throw this.broken;
    const { shards } = this;
    for (;;) {
      while (end && this.next < shards.length && !gathered.has(this.next)) this.next++;
      const batch: number[] = [];
      for (let k = this.next; k < shards.length && batch.length < BATCH && gathered.has(k); k++) batch.push(k);
      if (batch.length === 0) return [];
      const bytes = await this.redis.hmgetBuffer(KEYS.sweepMetrics(this.sweepId), ...batch.map(String));
      const metrics = batch.map((k, i) => (bytes[i]?.length === shardMetricBytes(shards[k]) ? metricsFromBytes(bytes[i]!) : null));
      const lost = batch.filter((_, i) => metrics[i] === null);
      for (const [i, k] of batch.entries()) {
        if (metrics[i] === null) return lost;
        const sh = shards[k];
        try {
          this.rows.add(pathIndex(this.shape, sh.symbol, sh.rule0, sh.risk0), metrics[i]!);
        } catch (e) {
          this.broken = e;
          throw e;
        }
        this.next = k + 1;
      }
    }
  }
}
