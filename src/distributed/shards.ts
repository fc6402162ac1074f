/**
 * Splits a sweep grid into shards: one symbol x a block of consecutive rules x a block of
 * consecutive risk sets, sized to about `barCombos` bar-combinations (bars x paths), i.e.
 * seconds of single-thread work at the default. Risk sets stay together when they fit (the
 * rule's indicator is then computed once for all of them); a single path larger than the target
 * is one shard.
 *
 * Path numbers are the local sweep's ((s * R + r) * P + p), so gathered shards rank the same.
 */
import { createHash } from 'node:crypto';

export interface Shard {
  shard: number;
  symbol: number;
  rule0: number;
  rules: number;
  risk0: number;
  risks: number;
}

/**
 * Default shard size: about 2.5 s of one native CPU thread on the rule strategies (measured
 * ~8e8 bar-combos/s per thread, EMA cross with 4 risk sets), long enough that the queue's
 * per-shard round trips (~30-70 ms) stay under 5% of a shard (bench/RESULTS.md).
 */
export const DEFAULT_SHARD_BAR_COMBOS = 2e9;

export function planShards(bars: readonly number[], R: number, P: number, barCombos = DEFAULT_SHARD_BAR_COMBOS): Shard[] {
  if (!(barCombos >= 1)) throw new RangeError(`shard size = ${barCombos} bar-combos must be >= 1`);
  const shards: Shard[] = [];
  bars.forEach((n, s) => {
    const paths = Math.max(1, Math.floor(barCombos / Math.max(1, n)));
    const risks = Math.min(P, paths);
    const rules = risks === P ? Math.max(1, Math.floor(paths / P)) : 1;
    for (let r0 = 0; r0 < R; r0 += rules) {
      for (let p0 = 0; p0 < P; p0 += risks) {
        shards.push({ shard: shards.length, symbol: s, rule0: r0, rules: Math.min(rules, R - r0), risk0: p0, risks: Math.min(risks, P - p0) });
      }
    }
  });
  return shards;
}

/** SHA-256 of the canonical JSON of `inputs`: the same grid, data and shard size give the same sweep id. */
export function contentId(inputs: unknown): string {
  return createHash('sha256').update(JSON.stringify(inputs, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))).digest('hex');
}
