/**
 * The coordinator of a distributed sweep: uploads the candles by content, plans shards under a
 * sweep id derived from the inputs, enqueues the shards that have no stored result, follows
 * progress, and gathers the stored results into the same ranked SweepResult a local sweep
 * gives (same path numbers, same ranking function, the native engine's own float64 metrics).
 *
 * Faults it rides out:
 *  - restarted with the same inputs: same sweep id, stored shards are read back, only the rest
 *    is enqueued (BullMQ job ids are the shard ids, so a shard still queued is not added twice);
 *  - Redis restarted empty: the sweep's meta key disappears; the coordinator re-uploads the
 *    candles and re-enqueues every shard it has not gathered yet;
 *  - a shard that fails every attempt: reported with its error; the result lists what is missing.
 *  - shards whose job vanished (or failed) are found by a check of their job states whenever no
 *    result arrived for a while.
 */
import { hostname } from 'node:os';

import { Queue } from 'bullmq';
import {
  resolveBacktestOptions, ruleLabel, SweepRows, type BacktestOptions, type MetricName, type RuleStrategy,
  type SweepDistribution, type SweepResult, type SweepRow,
} from '../backtest/index.js';
import type { SymbolCandles } from '../data/candles.js';
import { putCandles, seriesHash } from './candle-store.js';
import { KEYS, QUEUES, QUEUE_PREFIX, openRedis, waitForRedis } from './connection.js';
import { JobRejection } from './payload-check.js';
import { DEFAULT_SHARD_BAR_COMBOS, contentId, planShards, type Shard } from './shards.js';
import { ShardRows, shardMetricBytes } from './shard-rows.js';
import { SWEEP_SHARD, encodeRisk, sweepShardJob, type ShardResult, type SweepShardPayload } from './sweep-shard.js';

export interface DistributedGrid {
  symbols: SymbolCandles[];
  rules: RuleStrategy[];
  risk: Partial<BacktestOptions>[];
}

export interface DistributedProgress {
  done: number;
  failed: number;
  total: number;
  /** Bar-combos per second over the shards gathered by this coordinator. */
  barCombosPerSecond: number;
  etaSeconds: number;
  workers: number;
}

export interface DistributedSweepOptions {
  url: string;
  device?: 'auto' | 'cpu' | 'cuda';
  rankBy?: MetricName;
  ascending?: boolean;
  /** Rows kept in the result, the best by rankBy (default all), as runSweep's `keep`. */
  keep?: number;
  /** Every gathered path's row in path order (a shard's rows once every shard before it is in), as runSweep's `onRow`. */
  onRow?: (row: SweepRow) => void;
  /** Target bar-combos per shard (default DEFAULT_SHARD_BAR_COMBOS). */
  shardBarCombos?: number;
  /** Attempts per shard before it is reported missing. */
  attempts?: number;
  onProgress?: (p: DistributedProgress) => void;
  /** Notable events (resume, Redis lost, failures), one line each. */
  log?: (line: string) => void;
  pollMs?: number;
  /** Without a new result for this long, job states are checked (lost or failed jobs). */
  reconcileMs?: number;
}

/** Series compressed and uploaded at once; each batch's shards are queued before the next starts, so workers start early. */
const UPLOAD_BATCH = 2;

/** BullMQ job id of a shard (BullMQ ids may not contain ':'). */
export const shardJobId = (sweepId: string, shard: number): string => `sweep-${sweepId}-${shard}`;

function riskLabel(shard: Shard): string {
  return shard.risks === 1 ? `risk set ${shard.risk0}` : `risk sets ${shard.risk0}..${shard.risk0 + shard.risks - 1}`;
}

export async function runDistributedSweep(grid: DistributedGrid, options: DistributedSweepOptions): Promise<SweepResult> {
  const rankBy = options.rankBy ?? 'sharpe';
  if (grid.symbols.length === 0) throw new RangeError('sweep grid symbols must be a non-empty array');
  if (grid.rules.length === 0) throw new RangeError('sweep grid rules must hold at least one rule (the grid is empty)');
  if (grid.risk.length === 0) throw new RangeError('sweep grid risk must hold at least one parameter set (the grid is empty)');
  grid.risk.forEach((r, i) => resolveBacktestOptions(r, `risk[${i}]`));
  const device = options.device ?? 'auto';
  const log = options.log ?? (() => {});
  const pollMs = options.pollMs ?? 250;
  const reconcileMs = options.reconcileMs ?? 5000;
  const attempts = options.attempts ?? 3;
  const R = grid.rules.length, P = grid.risk.length;
  const rows = new SweepRows({ symbols: grid.symbols, rules: grid.rules, risk: grid.risk }, { rankBy, ascending: options.ascending, keep: options.keep, onRow: options.onRow });
  const started = performance.now();

  const redis = openRedis(options.url, { name: `ntp-coordinator-${hostname()}-${process.pid}` });
  const queue = new Queue(QUEUES[sweepShardJob.queue], { connection: redis, prefix: QUEUE_PREFIX });
  // BLPOP blocks its connection, so it gets its own.
  const waiter = redis.duplicate();
  waiter.on('error', () => {});
  queue.on('error', () => {});  // reconnects are ioredis's job; commands wait for them (maxRetriesPerRequest null)
  let connected = true;
  redis.on('reconnecting', () => {
    if (connected) log('lost the connection to Redis; reconnecting (the sweep waits)');
    connected = false;
  });
  redis.on('ready', () => {
    if (!connected) log('reconnected to Redis');
    connected = true;
  });
  try {
    await waitForRedis(redis, options.url);
    // The ids come first (a hash of the columns, milliseconds), so a symbol's shards can be queued as soon as its own candles are up.
    const hashes = grid.symbols.map((s) => seriesHash(s.candles));
    /** Uploads the candles a few series at a time (compression runs on the thread pool; memory stays bounded), each batch then `after` its symbols. */
    const upload = async (after: (symbols: Set<number>) => Promise<unknown> = async () => {}) => {
      for (let i = 0; i < grid.symbols.length; i += UPLOAD_BATCH) {
        const batch = grid.symbols.slice(i, i + UPLOAD_BATCH);
        await Promise.all(batch.map((s) => putCandles(redis, s.candles)));
        await after(new Set(batch.map((_, j) => i + j)));
      }
    };
    const risk = grid.risk.map(encodeRisk);
    const shards = planShards(grid.symbols.map((s) => s.candles.close.length), R, P, options.shardBarCombos ?? DEFAULT_SHARD_BAR_COMBOS);
    const sweepId = contentId({ v: 1, symbols: grid.symbols.map((s, i) => [s.symbol, hashes[i]]), rules: grid.rules, risk, device, shards: shards.length });
    const payloads: SweepShardPayload[] = shards.map((sh) => ({
      v: 1, sweepId, shard: sh.shard, symbol: grid.symbols[sh.symbol].symbol, candles: hashes[sh.symbol],
      rules: grid.rules.slice(sh.rule0, sh.rule0 + sh.rules), risk: risk.slice(sh.risk0, sh.risk0 + sh.risks) as Partial<BacktestOptions>[], device,
    }));
    // The coordinator holds its own payloads to the workers' schema: a bad grid fails here, named, not on every worker.
    // A block of rules and risk sets repeats for every symbol: it is checked whole once, then with one rule and risk set.
    const checkedBlocks = new Set<string>();
    for (const [k, p] of payloads.entries()) {
      const sh = shards[k], block = `${sh.rule0}/${sh.rules}/${sh.risk0}/${sh.risks}`;
      const sent = checkedBlocks.has(block) ? { ...p, rules: p.rules.slice(0, 1), risk: p.risk.slice(0, 1) } : p;
      checkedBlocks.add(block);
      try {
        sweepShardJob.parse(JSON.parse(JSON.stringify(sent)));
      } catch (e) {
        throw new RangeError(e instanceof JobRejection ? `the sweep grid cannot be sent to workers: ${e.message}` : String(e));
      }
    }
    const writeMeta = () => redis.set(KEYS.sweepMeta(sweepId), JSON.stringify({ shards: shards.length, symbols: grid.symbols.length, rules: R, risk: P }));
    await writeMeta();

    const gathered = new Map<number, ShardResult>();
    const failed = new Map<number, string>();
    const shardRows = new ShardRows(redis, sweepId, shards, { rules: R, params: P }, rows);
    /** Gathered shards whose metrics Redis lost before their rows were made: computed again (the next job-state check adds them). */
    let checkJobsNow = false;
    const recompute = (lost: number[]) => {
      for (const k of lost) gathered.delete(k);
      checkJobsNow ||= lost.length > 0;
      if (lost.length > 0) log(`shards ${lost.join(', ')}: their metrics are gone from Redis before their rows were made; computing them again`);
    };
    /** Shards newly stored by workers: gathered, and their rows made as far as path order allows. Returns them. */
    const readNew = async (): Promise<number[]> => {
      // A shard the rows have passed (made, or skipped at the end as failed) is final: a late result for it is not read.
      const keys = (await redis.hkeys(KEYS.sweepResults(sweepId))).map(Number)
        .filter((k) => Number.isInteger(k) && k >= 0 && k < shards.length && !gathered.has(k) && !shardRows.passed(k));
      if (keys.length === 0) return [];
      const fields = keys.map(String);
      const values = await redis.hmget(KEYS.sweepResults(sweepId), ...fields);
      // The metrics themselves are read when their rows are made (ShardRows): here only their size.
      const sizes = await Promise.all(fields.map((f) => redis.hstrlen(KEYS.sweepMetrics(sweepId), f)));
      const added: number[] = [];
      for (const [i, k] of keys.entries()) {
        const v = values[i];
        if (v === null) continue;
        let result: ShardResult | null = null;
        try {
          result = JSON.parse(v) as ShardResult;
          if (typeof result.worker !== 'string' || sizes[i] !== shardMetricBytes(shards[k])) result = null;
        } catch {
          result = null;
        }
        if (result === null) {
          // Not what a worker writes: drop it; the next job-state check computes the shard again.
          log(`shard ${k}: the stored result is unreadable or of the wrong size; computing it again`);
          await redis.multi().hdel(KEYS.sweepResults(sweepId), String(k)).hdel(KEYS.sweepMetrics(sweepId), String(k)).exec();
          continue;
        }
        gathered.set(k, result);
        failed.delete(k);
        added.push(k);
      }
      recompute(await shardRows.advance(gathered, false));
      return added;
    };
    await readNew();
    const resumed = gathered.size;
    if (resumed > 0) log(`resuming sweep ${sweepId.slice(0, 12)}: ${resumed} of ${shards.length} shards already stored`);

    const enqueue = async (list: number[]) => {
      if (list.length === 0) return;
      await queue.addBulk(list.map((k) => ({
        name: SWEEP_SHARD, data: payloads[k],
        opts: { jobId: shardJobId(sweepId, k), attempts, backoff: { type: 'fixed', delay: 500 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 7 * 24 * 3600 } },
      })));
    };
    /** Job states of the shards not gathered (of `symbols`, default all): add what has no job, record what failed (or retry it, on start). */
    const reconcile = async (retryFailed: boolean, symbols?: Set<number>) => {
      const missing = shards.filter((s) => !gathered.has(s.shard) && !shardRows.passed(s.shard) && (retryFailed || !failed.has(s.shard)) && (!symbols || symbols.has(s.symbol))).map((s) => s.shard);
      const add: number[] = [];
      for (const k of missing) {
        const id = shardJobId(sweepId, k);
        const state = await queue.getJobState(id);
        if (state === 'failed') {
          const job = await queue.getJob(id);
          if (retryFailed) {
            await job?.remove();
            add.push(k);
          } else if (!failed.has(k)) {
            failed.set(k, job?.failedReason ?? 'failed (no reason stored)');
            log(`shard ${k} failed ${attempts} times: ${failed.get(k)}`);
          }
        } else if (state === 'unknown') {
          add.push(k);
        } else if (state === 'completed' && !(await redis.hexists(KEYS.sweepResults(sweepId), String(k)))) {
          // Completed but no result: Redis lost the result (restart) after the job ran.
          await (await queue.getJob(id))?.remove();
          add.push(k);
        }
      }
      await enqueue(add);
      return add.length;
    };
    let requeued = 0;
    await upload(async (symbols) => { requeued += await reconcile(true, symbols); });
    log(`sweep ${sweepId.slice(0, 12)}: ${shards.length} shards, ${requeued} enqueued`);

    let lastResult = Date.now();
    let lastWorkersCheck = 0;
    let workers = 0;
    let barCombosHere = 0;
    const since = performance.now();
    for (;;) {
      try {
        if (!(await redis.exists(KEYS.sweepMeta(sweepId)))) {
          // Shards gathered but not yet made into rows lost their metrics with it.
          for (const k of shardRows.unmade(gathered)) gathered.delete(k);
          log(`Redis lost sweep ${sweepId.slice(0, 12)} (restarted empty?): re-uploading candles and re-enqueueing the ${shards.length - gathered.size} shards whose rows are not made`);
          await upload();
          await writeMeta();
          for (const k of failed.keys()) if (!shardRows.passed(k)) failed.delete(k);
          await reconcile(true);
          lastResult = Date.now();
        }
        const added = await readNew();
        if (added.length > 0) {
          lastResult = Date.now();
          for (const k of added) if (gathered.has(k)) barCombosHere += shards[k].rules * shards[k].risks * grid.symbols[shards[k].symbol].candles.close.length;
        } else if (checkJobsNow || Date.now() - lastResult > reconcileMs || gathered.size + failed.size >= shards.length) {
          checkJobsNow = false;
          await reconcile(false);
          lastResult = Date.now();
        }
        // Every shard in (or failed): the last rows, past the failed shards.
        if (gathered.size + failed.size >= shards.length) recompute(await shardRows.advance(gathered, true));
        if (Date.now() - lastWorkersCheck > 1000) {
          workers = await queue.getWorkersCount();
          lastWorkersCheck = Date.now();
        }
      } catch (e) {
        // A command cut off by a dropped connection: ioredis reconnects, poll again. Anything else is a real failure.
        if (redis.status === 'ready') throw e;
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      const secs = Math.max(1e-3, (performance.now() - since) / 1000);
      const rate = barCombosHere / secs;
      const newHere = gathered.size - resumed;
      const left = shards.length - gathered.size - failed.size;
      options.onProgress?.({ done: gathered.size, failed: failed.size, total: shards.length, barCombosPerSecond: rate, etaSeconds: newHere > 0 ? left * secs / newHere : NaN, workers });
      if (left === 0) break;
      // Wakes as soon as a worker stores a shard (its RPUSH), else after pollMs; a dropped connection just waits pollMs.
      await waiter.blpop(KEYS.sweepDone(sweepId), pollMs / 1000).catch(() => new Promise((r) => setTimeout(r, pollMs)));
    }

    const perWorker = new Map<string, SweepDistribution['workers'][number]>();
    let barCombos = 0;
    let resultDevice: 'cpu' | 'cuda' = 'cpu';
    for (const sh of shards) {
      const r = gathered.get(sh.shard);
      if (!r) continue;
      const n = grid.symbols[sh.symbol].candles.close.length;
      if (r.device === 'cuda') resultDevice = 'cuda';
      barCombos += sh.rules * sh.risks * n;
      const w = perWorker.get(r.worker) ?? { worker: r.worker, shards: 0, paths: 0, barCombos: 0, busyMs: 0 };
      w.shards += 1;
      w.paths += sh.rules * sh.risks;
      w.barCombos += sh.rules * sh.risks * n;
      w.busyMs += r.ms;
      perWorker.set(r.worker, w);
    }
    const missing = [...failed].sort((a, b) => a[0] - b[0]).map(([k, error]) => {
      const sh = shards[k];
      const rules = sh.rules === 1 ? ruleLabel(grid.rules[sh.rule0]) : `${ruleLabel(grid.rules[sh.rule0])}..${ruleLabel(grid.rules[sh.rule0 + sh.rules - 1])}`;
      return { shard: k, symbol: grid.symbols[sh.symbol].symbol, rules, risk: riskLabel(sh), paths: sh.rules * sh.risks, error };
    });
    return {
      device: resultDevice, rankBy,
      shape: { symbols: grid.symbols.length, rules: R, risk: P, paths: grid.symbols.length * R * P, bars: grid.symbols.reduce((a, s) => a + s.candles.close.length, 0) },
      barCombos, elapsedMs: performance.now() - started, rows: rows.ranked(),
      distributed: { sweepId, shards: shards.length, resumed, workers: [...perWorker.values()].sort((a, b) => a.worker.localeCompare(b.worker)), missing },
    };
  } finally {
    await queue.close().catch(() => {});
    waiter.disconnect();
    redis.disconnect();
  }
}

