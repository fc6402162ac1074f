/**
 * OHLCV validation (SPEC §3): reports problems without changing the data. Row indices in the
 * report are 0-based positions in the candle arrays (a CSV's data row i is on line i + 2).
 *
 * - A timestamp is a duplicate when an earlier row has the same value; non-increasing when it
 *   is <= the previous row's (duplicates next to each other are both).
 * - Timeframe: `timeframeMs` when given, else the median of the positive timestamp steps.
 *   A gap is a step longer than one timeframe; its size is the number of missing bars
 *   (step / timeframe - 1, rounded), e.g. 00:00 -> 10:00 the next day on 1h bars is 33 bars.
 * - Return outliers: |ln(c_t / c_{t-1})| > 10 x MAD of the finite log returns (SPEC); none
 *   are reported when the MAD is 0 (e.g. mostly flat prices), where the rule is undefined.
 * - `ok` is false for anything that makes rows unusable or ambiguous (everything except gaps,
 *   zero volume and outliers, which real data has and which are informational).
 */
import { assertCandles, type Candles } from './candles.js';
import { finiteSorted, quantileSorted } from './stats.js';

/** How many row indices each finding lists. */
export const EXAMPLE_ROWS = 5;

export interface Finding {
  count: number;
  /** The first EXAMPLE_ROWS row indices. */
  rows: number[];
}

export interface ValidationReport {
  rows: number;
  timeframeMs: number;
  timeframeInferred: boolean;
  duplicateTimestamps: Finding;
  nonIncreasingTimestamps: Finding;
  gaps: Finding & { largestBars: number; missingBars: number };
  nonFinite: Record<'timestamp' | 'open' | 'high' | 'low' | 'close' | 'volume', Finding>;
  /** Rows with any of open/high/low/close <= 0. */
  nonPositivePrices: Finding;
  highBelowOpenClose: Finding;
  lowAboveOpenClose: Finding;
  negativeVolume: Finding;
  zeroVolume: Finding & { ratio: number };
  returnOutliers: Finding & { threshold: number };
  ok: boolean;
  /** One line per non-empty finding, for CLIs and logs. */
  summary: string[];
}

class Collector {
  count = 0;
  rows: number[] = [];
  add(row: number): void {
    if (this.rows.length < EXAMPLE_ROWS) this.rows.push(row);
    this.count++;
  }
  finding(): Finding {
    return { count: this.count, rows: this.rows };
  }
}

export function inferTimeframeMs(timestamp: Float64Array): number {
  const steps = new Float64Array(Math.max(0, timestamp.length - 1));
  for (let i = 1; i < timestamp.length; i++) steps[i - 1] = timestamp[i] - timestamp[i - 1];
  const positive = finiteSorted(steps.filter((s) => s > 0));
  return positive.length === 0 ? NaN : Math.round(quantileSorted(positive, 0.5));
}

function duplicateRows(ts: Float64Array, sortedInput: boolean): Collector {
  const dup = new Collector();
  if (sortedInput) {
    for (let i = 1; i < ts.length; i++) if (ts[i] === ts[i - 1]) dup.add(i);
    return dup;
  }
  // Unsorted input: a duplicate may be far from its first occurrence.
  const seen = new Set<number>();
  for (let i = 0; i < ts.length; i++) {
    if (seen.has(ts[i])) dup.add(i);
    else seen.add(ts[i]);
  }
  return dup;
}

export function validateOhlcv(candles: Candles, options: { timeframeMs?: number } = {}): ValidationReport {
  assertCandles(candles, 'validateOhlcv: candles');
  const { timestamp: ts, open, high, low, close, volume } = candles;
  const n = close.length;
  if (options.timeframeMs !== undefined && !(Number.isFinite(options.timeframeMs) && options.timeframeMs > 0)) {
    throw new RangeError(`validateOhlcv: timeframeMs must be a finite number > 0 (got ${options.timeframeMs})`);
  }
  const timeframeMs = options.timeframeMs ?? inferTimeframeMs(ts);

  const nonIncreasing = new Collector();
  const gaps = new Collector();
  let largestGap = 0, missingBars = 0;
  for (let i = 1; i < n; i++) {
    const step = ts[i] - ts[i - 1];
    if (step <= 0) nonIncreasing.add(i);
    else if (step > timeframeMs) {
      const missing = Math.round(step / timeframeMs) - 1;
      if (missing >= 1) {
        gaps.add(i);
        missingBars += missing;
        largestGap = Math.max(largestGap, missing);
      }
    }
  }
  const duplicates = duplicateRows(ts, nonIncreasing.count === 0 || ts.every((v, i) => i === 0 || v >= ts[i - 1]));

  const columns = { timestamp: ts, open, high, low, close, volume };
  const nonFinite = Object.fromEntries(Object.entries(columns).map(([name, col]) => {
    const f = new Collector();
    for (let i = 0; i < n; i++) if (!Number.isFinite(col[i])) f.add(i);
    return [name, f.finding()];
  })) as ValidationReport['nonFinite'];

  const nonPositive = new Collector(), highBelow = new Collector(), lowAbove = new Collector();
  const negativeVolume = new Collector(), zeroVolume = new Collector();
  for (let i = 0; i < n; i++) {
    if (open[i] <= 0 || high[i] <= 0 || low[i] <= 0 || close[i] <= 0) nonPositive.add(i);
    if (high[i] < Math.max(open[i], close[i])) highBelow.add(i);
    if (low[i] > Math.min(open[i], close[i])) lowAbove.add(i);
    if (volume[i] < 0) negativeVolume.add(i);
    else if (volume[i] === 0) zeroVolume.add(i);
  }

  const logReturns = new Float64Array(Math.max(0, n - 1));
  for (let i = 1; i < n; i++) logReturns[i - 1] = Math.log(close[i] / close[i - 1]);
  const sortedReturns = finiteSorted(logReturns);
  const med = quantileSorted(sortedReturns, 0.5);
  const mad = quantileSorted(finiteSorted(sortedReturns.map((r) => Math.abs(r - med))), 0.5);
  const threshold = mad > 0 ? 10 * mad : Infinity;
  const outliers = new Collector();
  for (let i = 1; i < n; i++) if (Math.abs(logReturns[i - 1]) > threshold) outliers.add(i);

  const report: ValidationReport = {
    rows: n,
    timeframeMs,
    timeframeInferred: options.timeframeMs === undefined,
    duplicateTimestamps: duplicates.finding(),
    nonIncreasingTimestamps: nonIncreasing.finding(),
    gaps: { ...gaps.finding(), largestBars: largestGap, missingBars },
    nonFinite,
    nonPositivePrices: nonPositive.finding(),
    highBelowOpenClose: highBelow.finding(),
    lowAboveOpenClose: lowAbove.finding(),
    negativeVolume: negativeVolume.finding(),
    zeroVolume: { ...zeroVolume.finding(), ratio: n === 0 ? 0 : zeroVolume.count / n },
    returnOutliers: { ...outliers.finding(), threshold },
    ok: true,
    summary: [],
  };
  report.ok = findingsOf(report).every((f) => !f.blocking || f.finding.count === 0);
  report.summary = findingLines(report, (row) => `${row}`, 'rows');
  return report;
}

/** Every finding with its label, and whether it makes the data unusable (`ok` false). */
export function findingsOf(report: ValidationReport): { label: string; finding: Finding; blocking: boolean }[] {
  const { gaps, zeroVolume, returnOutliers } = report;
  const blocking: [string, Finding][] = [
    ['duplicate timestamps', report.duplicateTimestamps],
    ['non-increasing timestamps', report.nonIncreasingTimestamps],
    ...Object.entries(report.nonFinite).map(([c, f]) => [`non-finite ${c}`, f] as [string, Finding]),
    ['non-positive prices', report.nonPositivePrices],
    ['high < max(open, close)', report.highBelowOpenClose],
    ['low > min(open, close)', report.lowAboveOpenClose],
    ['negative volume', report.negativeVolume],
  ];
  const informational: [string, Finding][] = [
    [`gaps (largest ${gaps.largestBars} bars, ${gaps.missingBars} missing in all)`, gaps],
    [`zero-volume bars (${(zeroVolume.ratio * 100).toFixed(3)}%)`, zeroVolume],
    [`return outliers (|log return| > ${returnOutliers.threshold.toPrecision(3)})`, returnOutliers],
  ];
  return [...blocking.map(([label, finding]) => ({ label, finding, blocking: true })),
    ...informational.map(([label, finding]) => ({ label, finding, blocking: false }))];
}

/**
 * One line per non-empty finding, e.g. "negative volume: 2 (rows 4, 9)"; `where` names a row
 * (a 0-based index, or a file's line) and `noun` the list ("rows", "BTC.csv lines").
 */
export function findingLines(report: ValidationReport, where: (row: number) => string, noun: string, only?: 'blocking'): string[] {
  return findingsOf(report).filter((f) => f.finding.count > 0 && (only === undefined || f.blocking)).map(({ label, finding: f }) =>
    `${label}: ${f.count} (${noun} ${f.rows.map(where).join(', ')}${f.count > f.rows.length ? ', ...' : ''})`);
}
