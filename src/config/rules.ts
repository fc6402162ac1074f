/** Constraints that tie several keys together, checked on the merged, derived config. */
import { showValue, type ConfigIssue } from './errors.js';
import type { PipelineConfig } from './schema.js';

type Rule = (c: PipelineConfig) => ConfigIssue | null;

const RULES: Rule[] = [
  (c) => {
    const { train, val, test } = c.split;
    const total = train + val + test;
    return Math.abs(total - 1) > 1e-9
      ? { key: 'split', message: `train ${train} + val ${val} + test ${test} = ${total}, expected a sum of 1` } : null;
  },
  (c) => c.signals.size.min <= c.signals.size.max ? null
    : { key: 'signals.size.min', message: `got ${c.signals.size.min}, expected at most signals.size.max (${c.signals.size.max})` },
  (c) => c.signals.stop.min <= c.signals.stop.max ? null
    : { key: 'signals.stop.min', message: `got ${c.signals.stop.min}, expected at most signals.stop.max (${c.signals.stop.max})` },
  (c) => c.signals.agreement.minAgree <= c.windows.horizons.length ? null
    : { key: 'signals.agreement.minAgree', message: `got ${c.signals.agreement.minAgree}, expected at most the ${c.windows.horizons.length} windows.horizons` },
  (c) => c.losses.horizonWeights.length === c.windows.horizons.length ? null
    : { key: 'losses.horizonWeights', message: `got ${showValue(c.losses.horizonWeights)}, expected one weight per windows.horizons entry (${c.windows.horizons.length})` },
  (c) => {
    const h = /_h(\d+)$/.exec(c.training.monitor);
    return h === null || Number(h[1]) < c.windows.horizons.length ? null
      : { key: 'training.monitor', message: `got ${showValue(c.training.monitor)}, but horizons are h0..h${c.windows.horizons.length - 1} (windows.horizons)` };
  },
  (c) => c.data.source !== 'csv' || c.data.paths.length > 0 ? null
    : { key: 'data.paths', message: 'got [], expected at least one CSV file when data.source is csv' },
  (c) => c.data.source !== 'csv' || c.data.symbols.length === 0 || c.data.symbols.length === c.data.paths.length ? null
    : { key: 'data.symbols', message: `got ${c.data.symbols.length} symbols for ${c.data.paths.length} data.paths, expected one per path or none` },
  (c) => c.data.source !== 'ccxt' || c.data.symbols.length > 0 ? null
    : { key: 'data.symbols', message: 'got [], expected at least one market such as BTC/USDT when data.source is ccxt' },
  (c) => c.search.pboBlocks % 2 === 0 ? null
    : { key: 'search.pboBlocks', message: `got ${c.search.pboBlocks}, expected an even number (half the blocks are in sample)` },
];

export function crossKeyIssues(c: PipelineConfig): ConfigIssue[] {
  return RULES.map((r) => r(c)).filter((i): i is ConfigIssue => i !== null);
}
