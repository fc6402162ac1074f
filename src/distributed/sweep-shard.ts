/**
 * The `sweepShard` job kind: one symbol x a rule block x a risk block of a sweep, run on the
 * worker's native engine (async entry point, so the event loop keeps renewing BullMQ's lock)
 * and stored in Redis keyed by shard number with HSETNX: a shard run twice (a stalled job taken
 * again) is stored once.
 */
import {
  resolveBacktestOptions, ruleIssue, runNativeBacktestAsync, STRATEGIES, STRATEGY_NAMES, strategyOf, type BacktestOptions, type RuleStrategy, type Strategy,
} from '../backtest/index.js';
import { KEYS } from './connection.js';
import { bool, int, JobRejection, list, num, oneOf, record, str, type Check } from './payload-check.js';
import type { JobKind } from './job-kind.js';

export const SWEEP_SHARD = 'sweepShard';

/** Limits: far above what the planner produces (it sizes shards to seconds of work). */
const MAX_RULES = 100_000;
const MAX_RISK_SETS = 10_000;

const hex64 = str(/^[0-9a-f]{64}$/, 64, '64 lowercase hex digits');

/** Per strategy: a record of `kind` and its parameters, each checked against its declared range. */
const ruleShapes = new Map((STRATEGIES as readonly Strategy[]).map((st) => [st.name, record({
  kind: oneOf([st.name]),
  ...Object.fromEntries(Object.entries(st.params).map(([k, p]) => [k, p.integer ? int(p.min, p.max) : num(p.min, p.max)])),
})]));

const rule: Check<RuleStrategy> = (v, at) => {
  const kind = v !== null && typeof v === 'object' && !Array.isArray(v) ? oneOf(STRATEGY_NAMES)((v as { kind?: unknown }).kind, `${at}.kind`) : undefined;
  const strategy = strategyOf(kind ?? STRATEGY_NAMES[0]);
  const r = ruleShapes.get(strategy.name)!(v, at) as Record<string, unknown>;
  const issue = ruleIssue(strategy, r);
  if (issue) throw new JobRejection(`${at}: ${issue}`);
  return r as unknown as RuleStrategy;
};

const finite = num(-Number.MAX_VALUE, Number.MAX_VALUE);
const anyNumber = num(-Number.MAX_VALUE, Number.MAX_VALUE, { nonFinite: true });
const riskShape = record({
  initialEquity: finite, riskFraction: finite, feeBps: finite, slippageBps: finite,
  intrabar: oneOf(['pessimistic', 'optimistic'] as const), breakevenAfterTp1: bool, fractions: list(finite, 3, 3),
  allowReverse: bool, maxHoldBars: int(0, 2 ** 31 - 1), direction: oneOf(['both', 'long', 'short'] as const),
  stopDistance: anyNumber, targetDistance: list(anyNumber, 3, 3), barsPerYear: finite,
}, ['initialEquity', 'riskFraction', 'feeBps', 'slippageBps', 'intrabar', 'breakevenAfterTp1', 'fractions', 'allowReverse', 'maxHoldBars', 'direction', 'stopDistance', 'targetDistance', 'barsPerYear']);

/** A risk set: known keys of the right types, then the engines' own range checks. */
const riskSet: Check<Partial<BacktestOptions>> = (v, at) => {
  const r = riskShape(v, at) as Partial<BacktestOptions>;
  try {
    resolveBacktestOptions(r, at);
  } catch (e) {
    throw new JobRejection((e as Error).message);
  }
  return r;
};

export interface SweepShardPayload {
  v: 1;
  sweepId: string;
  shard: number;
  /** For logs only. */
  symbol: string;
  /** SHA-256 of the candle bytes in Redis (candle-store.ts). */
  candles: string;
  rules: RuleStrategy[];
  risk: Partial<BacktestOptions>[];
  device: 'auto' | 'cpu' | 'cuda';
}

const payloadShape = record({
  v: int(1, 1),
  sweepId: hex64,
  shard: int(0, 10_000_000),
  symbol: str(/^[^\u0000-\u001f\u007f]+$/, 128, 'a symbol name without control characters'),
  candles: hex64,
  rules: list(rule, 1, MAX_RULES),
  risk: list(riskSet, 1, MAX_RISK_SETS),
  device: oneOf(['auto', 'cpu', 'cuda'] as const),
});

/** What a worker stores per shard, beside its metrics (KEYS.sweepMetrics: the engine's float64 bytes, bit for bit). */
export interface ShardResult {
  worker: string;
  device: 'cpu' | 'cuda';
  /** When the compute began (ms since the epoch, the worker's clock). */
  startedAt: number;
  /** Native compute time; fetchMs: getting the candles (0 when cached; overlapped with the worker's previous shard but for its first). */
  ms: number;
  fetchMs: number;
  paths: number;
}

/** Non-finite numbers as strings, since the payload travels as JSON. */
export function encodeRisk(risk: Partial<BacktestOptions>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(risk, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))) as Record<string, unknown>;
}

/**
 * Stored metric bytes as float64s; null when not whole float64s. A view of `bytes` (sharing its
 * memory) when 8-byte aligned, as Redis replies of this size are; else a copy.
 */
export function metricsFromBytes(bytes: Buffer): Float64Array | null {
  if (bytes.length % 8 !== 0) return null;
  if (bytes.byteOffset % 8 === 0) return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

export const sweepShardJob: JobKind<SweepShardPayload> = {
  name: SWEEP_SHARD,
  queue: 'shards',
  maxBytes: 4 * 2 ** 20,
  parse: (data) => payloadShape(data, 'data') as SweepShardPayload,
  describe: (p) => `sweep ${p.sweepId.slice(0, 12)} shard ${p.shard} (${p.symbol}, ${p.rules.length} rules x ${p.risk.length} risk sets)`,
  run: async (p, ctx) => {
    // The candles are fetched before the compute slot is taken: a worker holds one shard ahead
    // (QUEUES.shards), so this fetch overlaps the compute of the shard before it.
    const fetchStarted = performance.now();
    const candles = await ctx.candles.get(p.candles);
    const fetchMs = performance.now() - fetchStarted;
    let startedAt = NaN, ms = NaN;
    const res = await ctx.compute(async () => {
      const started = performance.now();
      startedAt = Date.now();
      const r = await runNativeBacktestAsync({ symbols: [{ candles }], rules: p.rules, params: p.risk, device: p.device });
      // Timed here, not after the slot is released: the next shard starts (on this thread) before this job resumes.
      ms = performance.now() - started;
      return r;
    });
    const result: ShardResult = { worker: ctx.worker, device: res.device, startedAt, ms, fetchMs, paths: res.paths };
    const metrics = Buffer.from(res.metrics.buffer, res.metrics.byteOffset, res.metrics.byteLength);
    // One transaction: the result and its metrics are stored together or not at all.
    const [[, stored]] = (await ctx.redis.multi()
      .hsetnx(KEYS.sweepResults(p.sweepId), String(p.shard), JSON.stringify(result))
      .hsetnx(KEYS.sweepMetrics(p.sweepId), String(p.shard), metrics)
      .hincrby(KEYS.sweepRuns(p.sweepId), String(p.shard), 1)
      .rpush(KEYS.sweepDone(p.sweepId), String(p.shard))
      .exec()) as [[unknown, number], ...unknown[]];
    return `${res.paths} paths in ${result.ms.toFixed(0)} ms${stored === 1 ? '' : ' (already stored by another worker; kept the first)'}`;
  },
};
