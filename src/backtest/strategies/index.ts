/**
 * The rule strategies, declared once each (define.ts says what an entry holds). The CLI's
 * choices and flags, the config's sweep.strategy and sweep.grid keys, grid expansion, the
 * distributed payload check, labels and the reference decision all read this list; the native
 * engine reads its twin table (native/core/backtest/backtest_strategies.h) and is handed rules by name.
 * Adding a strategy: a file here, a line below, its entry in the C++ table.
 */
import type { Candles } from '../../data/candles.js';
import { bollingerBreakout } from './bollinger-breakout.js';
import { decideSides, type Strategy, type StrategyParam } from './define.js';
import { emaCross } from './ema-cross.js';
import { macd } from './macd.js';
import { rsi } from './rsi.js';
import { smaCross } from './sma-cross.js';

export const STRATEGIES = [emaCross, smaCross, rsi, macd, bollingerBreakout] as const;

type Entry = (typeof STRATEGIES)[number];
export type StrategyName = Entry['name'];
type RuleOf<S> = S extends Strategy<infer N, infer P> ? { kind: N } & { [K in P]: number } : never;
/** One rule: its strategy's name and named parameters, e.g. { kind: 'rsi', period: 14, lower: 30, upper: 70 }. */
export type RuleStrategy = RuleOf<Entry>;

export const STRATEGY_NAMES: readonly StrategyName[] = STRATEGIES.map((s) => s.name);

const byName = new Map<string, Strategy>(STRATEGIES.map((s) => [s.name, s]));

/** The entry of `name` (undefined when there is none). */
export function findStrategy(name: unknown): Strategy | undefined {
  return typeof name === 'string' ? byName.get(name) : undefined;
}

/** The entry of `name`; a RangeError naming `at` and the choices when there is none. */
export function strategyOf(name: unknown, at = 'strategy'): Strategy {
  const s = findStrategy(name);
  if (!s) throw new RangeError(`${at} = ${JSON.stringify(name)} must be one of ${STRATEGY_NAMES.join(', ')}`);
  return s;
}

export function paramNames(s: Strategy): string[] {
  return Object.keys(s.params);
}

/** A rule's parameters by name (the strategy's keys only). */
export function ruleParams(rule: RuleStrategy): Record<string, number> {
  const s = strategyOf(rule.kind);
  const values = rule as unknown as Record<string, number>;
  return Object.fromEntries(paramNames(s).map((k) => [k, values[k]]));
}

/**
 * Why `params` is not a valid rule of `s` (the first problem, naming the parameter), or null.
 * `name` renders a parameter's name in the message (e.g. as a CLI flag).
 */
export function ruleIssue(s: Strategy, params: Readonly<Record<string, unknown>>, name = (k: string) => k): string | null {
  for (const [k, p] of Object.entries<StrategyParam>(s.params)) {
    const v = params[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < p.min || v > p.max || (p.integer && !Number.isInteger(v))) {
      return `${name(k)} = ${String(v)} must be ${p.integer ? 'an integer' : 'a number'} in [${p.min}, ${p.max}]`;
    }
  }
  for (const [a, b] of s.below) {
    if (!((params[a] as number) < (params[b] as number))) return `${name(a)} = ${String(params[a])} must be < ${name(b)} = ${String(params[b])}`;
  }
  return null;
}

/** The rule of `s` with every parameter at its default (`ntp backtest --strategy NAME` without flags). */
export function defaultRule(s: Strategy): RuleStrategy {
  return { kind: s.name, ...Object.fromEntries(Object.entries(s.params).map(([k, p]) => [k, p.default])) } as RuleStrategy;
}

/** The decided side at each close for `rule` on the candles (the reference decision). */
export function ruleSides(candles: Candles, rule: RuleStrategy): Int8Array {
  return decideSides(strategyOf(rule.kind), candles, ruleParams(rule));
}

/** e.g. "ema_cross(12,26)", "rsi(14,30,70)"; "signals" for none. */
export function ruleLabel(rule: RuleStrategy | null): string {
  if (!rule) return 'signals';
  return `${rule.kind}(${Object.values(ruleParams(rule)).join(',')})`;
}

/** Every parameter of every strategy once, by name (CLI flags, heatmap axes), with the strategies using it. */
export function allParams(): { name: string; param: StrategyParam; strategies: string[] }[] {
  const out = new Map<string, { name: string; param: StrategyParam; strategies: string[] }>();
  for (const s of STRATEGIES as readonly Strategy[]) {
    for (const [name, param] of Object.entries<StrategyParam>(s.params)) {
      const seen = out.get(name);
      if (seen) seen.strategies.push(s.name);
      else out.set(name, { name, param, strategies: [s.name] });
    }
  }
  return [...out.values()];
}

/** Every sweep.grid key once, with its first declaration and the strategies using it. */
export function gridAxes(): { key: string; param: StrategyParam; strategies: string[] }[] {
  const out = new Map<string, { key: string; param: StrategyParam; strategies: string[] }>();
  for (const s of STRATEGIES as readonly Strategy[]) {
    for (const param of Object.values<StrategyParam>(s.params)) {
      const seen = out.get(param.gridKey);
      if (seen) seen.strategies.push(s.name);
      else out.set(param.gridKey, { key: param.gridKey, param, strategies: [s.name] });
    }
  }
  return [...out.values()];
}

export type { Strategy, StrategyParam } from './define.js';
