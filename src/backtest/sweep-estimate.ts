/**
 * What a sweep will cost, estimated before it starts (paths, time, memory, disk), and the
 * config limit it would break. Rows stream through the sweep (only `keep` stay in memory), so
 * memory does not grow with the number of paths; time and disk do.
 *
 * The rates are this implementation's on a 2-core machine (native engine on both cores, the
 * JavaScript per-row work on one), rounded towards slow: an estimate, not a promise.
 */
import { METRIC_NAMES } from './metrics.js';
import { SWEEP_WINDOW_PATHS } from './sweep.js';

/** Bar-combinations per second of the native engine. */
const ENGINE_BAR_COMBOS_PER_S = 3e8;
/** JavaScript per path: metrics object, ranking, heatmap; and formatting its CSV line. */
const SECONDS_PER_PATH = 4e-6;
const SECONDS_PER_CSV_PATH = 6e-6;
/** The process before the sweep: Node, tfjs and the addon loaded. */
const BASE_BYTES = 300 * 2 ** 20;
/** One kept row (object, its metrics and label strings). */
const BYTES_PER_KEPT_ROW = 2048;
const BYTES_PER_RULE = 160;
/** Metrics of two windows of paths (one read while the next runs), doubles. */
const BYTES_PER_WINDOW_PATH = METRIC_NAMES.length * 8 * 2;
/** A CSV line: numbers of up to 20 characters per metric and risk column, plus labels. */
const csvLineBytes = (riskColumns: number, labelBytes: number) => 24 + labelBytes + 12 * riskColumns + 20 * METRIC_NAMES.length;

export interface SweepPlan {
  /** Bars of each symbol (model strategy: one entry per symbol x entry threshold). */
  bars: readonly number[];
  rules: number;
  risk: number;
  keep: number;
  allPaths: boolean;
  riskColumns: number;
  /** Longest symbol + strategy label, characters. */
  labelBytes: number;
}

export interface SweepEstimate {
  paths: number;
  barCombos: number;
  seconds: number;
  memoryBytes: number;
  diskBytes: number;
}

export interface SweepLimits {
  maxPaths: number;
  maxSeconds: number;
  maxMemoryMB: number;
  maxDiskMB: number;
}

export function estimateSweep(plan: SweepPlan): SweepEstimate {
  const perSymbol = plan.rules * plan.risk;
  const paths = plan.bars.length * perSymbol;
  const barCombos = plan.bars.reduce((a, b) => a + b * perSymbol, 0);
  const kept = Math.min(plan.keep, paths);
  const line = csvLineBytes(plan.riskColumns, plan.labelBytes);
  const candleBytes = plan.bars.reduce((a, b) => a + b, 0) * 6 * 8 * 2;
  return {
    paths,
    barCombos,
    seconds: barCombos / ENGINE_BAR_COMBOS_PER_S + paths * (SECONDS_PER_PATH + (plan.allPaths ? SECONDS_PER_CSV_PATH : 0)),
    memoryBytes: BASE_BYTES + candleBytes + plan.rules * BYTES_PER_RULE + Math.min(SWEEP_WINDOW_PATHS, paths) * BYTES_PER_WINDOW_PATH + kept * BYTES_PER_KEPT_ROW,
    // sweep.csv and sweep.json hold the kept rows (the JSON about three times the CSV).
    diskBytes: (plan.allPaths ? paths * line : 0) + kept * line * 4,
  };
}

const MiB = 2 ** 20;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0)} MiB`;

export function describeEstimate(e: SweepEstimate): string {
  return `${e.paths.toExponential(2)} paths, ${e.barCombos.toExponential(2)} bar-combos: about ${e.seconds < 120 ? `${e.seconds.toFixed(1)} s` : `${(e.seconds / 60).toFixed(1)} min`}, ${mib(e.memoryBytes)} of memory, ${mib(e.diskBytes)} on disk`;
}

/**
 * The first limit the estimate breaks, as a message naming the config key to raise (null when
 * none); `freeDiskBytes` is the space left where the output goes.
 */
export function sweepLimitIssue(e: SweepEstimate, limits: SweepLimits, freeDiskBytes: number): string | null {
  const prefix = `the sweep is refused before it starts (${describeEstimate(e)}): `;
  if (e.paths > limits.maxPaths) return `${prefix}${e.paths.toExponential(2)} paths exceed sweep.limits.maxPaths (${limits.maxPaths}); raise sweep.limits.maxPaths or shrink sweep.grid`;
  if (e.seconds > limits.maxSeconds) return `${prefix}an estimated ${e.seconds.toFixed(0)} s exceeds sweep.limits.maxSeconds (${limits.maxSeconds}); raise sweep.limits.maxSeconds or shrink sweep.grid`;
  if (e.memoryBytes > limits.maxMemoryMB * MiB) return `${prefix}an estimated ${mib(e.memoryBytes)} of memory exceeds sweep.limits.maxMemoryMB (${limits.maxMemoryMB}); raise it, lower sweep.keep, or shrink sweep.grid`;
  if (e.diskBytes > limits.maxDiskMB * MiB) return `${prefix}an estimated ${mib(e.diskBytes)} on disk exceeds sweep.limits.maxDiskMB (${limits.maxDiskMB}); raise it, or set sweep.allPaths false to write only the kept rows`;
  if (e.diskBytes > freeDiskBytes) return `${prefix}an estimated ${mib(e.diskBytes)} on disk is more than the ${mib(freeDiskBytes)} free there; free space, or set sweep.allPaths false`;
  return null;
}
