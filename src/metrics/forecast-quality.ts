/**
 * The model's direction calls against the naive baselines on the same windows, per horizon:
 * accuracy and MCC of each with block-bootstrap 95% intervals, and the paired difference
 * model - best baseline (best = highest MCC on the windows; ties keep the earlier baseline),
 * computed on the same resamples. Also the edge rule the signal gate applies.
 */
import type { Candles } from '../data/candles.js';
import { baselineCalls, type ScoredWindows } from './baselines.js';
import { bootstrapCounts, defaultBlockLength, percentileInterval } from './bootstrap.js';
import { accuracy, mcc, UP_THRESHOLD, type ConfusionCounts } from './confusion.js';

export const CI_LEVEL = 0.95;

export type Interval = [number, number];

export interface PredictorScore {
  name: string;
  accuracy: number;
  accuracyCi: Interval;
  mcc: number;
  mccCi: Interval;
}

export interface HorizonQuality {
  /** Horizon index (h0, h1, ...) and its length in bars. */
  horizon: number;
  bars: number;
  /** Share of windows whose return is > 0. */
  upRate: number;
  model: PredictorScore;
  baselines: PredictorScore[];
  /** Name of the baseline with the highest MCC. */
  best: string;
  /** model - best baseline, point values and intervals over the same resamples. */
  difference: { accuracy: number; accuracyCi: Interval; mcc: number; mccCi: Interval };
}

export interface ForecastQuality {
  windows: number;
  level: number;
  samples: number;
  blockLength: number;
  seed: number;
  horizons: HorizonQuality[];
}

/** Per-window model outputs and outcomes: pUp[h][i], trueReturn[h][i] for window i of `windows`. */
export interface ScoredForecasts extends ScoredWindows {
  pUp: Float64Array[];
  trueReturn: Float64Array[];
}

/** Batches or folds of forecasts as one set in (symbol, end) order. */
export function mergeForecasts(parts: readonly ScoredForecasts[]): ScoredForecasts {
  const cat = <A extends Int32Array | Float64Array>(xs: A[], make: (n: number) => A): A => {
    const out = make(xs.reduce((n, x) => n + x.length, 0));
    let k = 0;
    for (const x of xs) { out.set(x, k); k += x.length; }
    return out;
  };
  const H = parts[0]?.pUp.length ?? 0;
  const symbols = cat(parts.map((p) => p.symbols), (n) => new Int32Array(n));
  const ends = cat(parts.map((p) => p.ends), (n) => new Int32Array(n));
  const order = Int32Array.from(symbols, (_, i) => i).sort((a, b) => symbols[a] - symbols[b] || ends[a] - ends[b]);
  const pick = <A extends Int32Array | Float64Array>(a: A): A => a.map((_, i) => a[order[i]]) as A;
  const column = (get: (p: ScoredForecasts) => Float64Array) => pick(cat(parts.map(get), (n) => new Float64Array(n)));
  return {
    symbols: pick(symbols), ends: pick(ends),
    pUp: Array.from({ length: H }, (_, h) => column((p) => p.pUp[h])),
    trueReturn: Array.from({ length: H }, (_, h) => column((p) => p.trueReturn[h])),
  };
}

export interface QualityOptions {
  samples: number;
  /** null = ceil(sqrt(windows)), at least the longest horizon. */
  blockLength: number | null;
  seed: number;
}

const countsOf = (calls: Uint8Array, labels: Uint8Array): ConfusionCounts => {
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]) { if (calls[i]) c.tp++; else c.fn++; } else if (calls[i]) c.fp++; else c.tn++;
  }
  return c;
};

/**
 * Windows must be in time order within each symbol (sorted by symbol, then end): blocks are
 * runs of consecutive windows, and a block may run from one symbol's last windows into the next
 * symbol's first (a small loss of dependence at a few block boundaries).
 */
export function forecastQuality(candles: readonly Candles[], f: ScoredForecasts, horizons: readonly number[], o: QualityOptions): ForecastQuality {
  const n = f.ends.length;
  if (n === 0) throw new RangeError('forecastQuality: no windows to score');
  const blockLength = o.blockLength ?? defaultBlockLength(n, Math.max(...horizons));
  const baselines = baselineCalls(candles, f, horizons);
  const out = horizons.map((bars, h): HorizonQuality => {
    const labels = Uint8Array.from(f.trueReturn[h], (y) => Number(y > 0));
    const model = Uint8Array.from(f.pUp[h], (p) => Number(p >= UP_THRESHOLD));
    const calls = [model, ...baselines[h].map((b) => b.up)];
    const names = ['model', ...baselines[h].map((b) => b.name)];
    const point = calls.map((c) => countsOf(c, labels));
    const resampled = bootstrapCounts(calls, labels, { samples: o.samples, blockLength, seed: o.seed + h });
    const score = (p: number): PredictorScore => ({
      name: names[p],
      accuracy: accuracy(point[p]),
      accuracyCi: percentileInterval(resampled.map((r) => accuracy(r[p])), CI_LEVEL),
      mcc: mcc(point[p]),
      mccCi: percentileInterval(resampled.map((r) => mcc(r[p])), CI_LEVEL),
    });
    const scores = calls.map((_, p) => score(p));
    let best = 1;
    for (let p = 2; p < calls.length; p++) if (scores[p].mcc > scores[best].mcc) best = p;
    return {
      horizon: h, bars, upRate: labels.reduce((s, l) => s + l, 0) / n,
      model: scores[0], baselines: scores.slice(1), best: names[best],
      difference: {
        accuracy: scores[0].accuracy - scores[best].accuracy,
        accuracyCi: percentileInterval(resampled.map((r) => accuracy(r[0]) - accuracy(r[best])), CI_LEVEL),
        mcc: scores[0].mcc - scores[best].mcc,
        mccCi: percentileInterval(resampled.map((r) => mcc(r[0]) - mcc(r[best])), CI_LEVEL),
      },
    };
  });
  return { windows: n, level: CI_LEVEL, samples: o.samples, blockLength, seed: o.seed, horizons: out };
}

export interface EdgeVerdict {
  edge: boolean;
  horizon: number;
  /** Plain words for the CLI. */
  reason: string;
}

/**
 * The model shows an edge at horizon `h` when the lower end of the 95% interval of its paired
 * MCC difference against the best baseline is above 0: better than every naive rule on the
 * same windows, beyond resampling noise. Otherwise (interval reaching 0 or below) it has none.
 */
export function edgeVerdict(q: ForecastQuality, h: number): EdgeVerdict {
  const hq = q.horizons[h];
  if (!hq) throw new RangeError(`edgeVerdict: no horizon h${h} (have ${q.horizons.length})`);
  const d = hq.difference;
  const ci = `[${d.mccCi[0].toFixed(3)}, ${d.mccCi[1].toFixed(3)}]`;
  const what = `h${h} (+${hq.bars} bars): model MCC ${hq.model.mcc.toFixed(3)} vs best baseline ${hq.best} ${(hq.model.mcc - d.mcc).toFixed(3)}, ` +
    `difference ${d.mcc.toFixed(3)}, 95% CI ${ci} over ${q.windows} validation windows`;
  return d.mccCi[0] > 0
    ? { edge: true, horizon: h, reason: `the model beats the naive baselines on validation at ${what}` }
    : { edge: false, horizon: h, reason: `the model shows no edge over the naive baselines on validation at ${what}` };
}
