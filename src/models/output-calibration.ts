/**
 * Calibration of the model's probabilistic outputs (issue 17 item 4), fit on the validation
 * split after training and saved beside the model (`calibration.json` in the run directory):
 *  - P(up) per horizon by a temperature T: p' = sigmoid(logit(p) / T). T > 1 softens an
 *    over-confident head, T < 1 sharpens a timid one; p = 0.5 stays 0.5, so the direction
 *    calls (and accuracy, MCC) are unchanged and only the confidence moves.
 *  - sigma per horizon by a factor s: sigma' = s sigma, chosen so that |y - mu| <= sigma'
 *    holds on 68.27% of the validation windows (1-sigma coverage of a Gaussian); or, with
 *    `regime` (training.sigmaCalibration: regime, the default), sigma' = s sigma^a rv^(1 - a),
 *    where rv is the realised volatility of the window's last k closes (RMS of their 1-bar log
 *    returns: causal) and a and k come from a fit over the validation windows (fitRegimeSigma).
 *    A scale alone fit on one period does not carry to a calmer or wilder one when the model's
 *    sigma does not follow the regime; |y - mu| / rv does (bench/RESULTS.md, "Forecast quality").
 * A run without the file (older runs) predicts uncalibrated: the identity (T = 1, s = 1).
 */
import { existsSync, readFileSync } from 'node:fs';

import { writeJsonAtomic } from '../util/atomic-write.js';

export interface OutputCalibration {
  /** Per horizon. */
  temperature: number[];
  /** Per horizon: factor on sigma (its square on the variance). */
  sigmaScale: number[];
  /** Per horizon: exponents of sigma' = s sigma^a rv^b; absent = a 1, b 0 (the scale alone). */
  regime?: SigmaRegime;
  /** What the fit saw (absent for the identity). */
  fit?: {
    split: string; windows: number; coverageBefore: number[]; nllBefore: number[]; nllAfter: number[];
    /** Regime fits: per horizon, the chi-square of the groups' coverage (fitRegimeSigma), and the number of groups. */
    stability?: number[]; groups?: number;
  };
}

export interface SigmaRegime {
  /** a: exponent on the model's sigma. */
  modelExponent: number[];
  /** b: exponent on the window's realised volatility. */
  volatilityExponent: number[];
  /** k: the realised volatility is taken over the window's last k 1-bar returns; absent = all T - 1 (older files). */
  volatilityBars?: number[];
}

/** 1-sigma coverage of a Gaussian: P(|z| <= 1). */
export const ONE_SIGMA_COVERAGE = 0.6826894921370859;
const P_EPS = 1e-7;
/** Smallest realised volatility used (a window of flat bars would otherwise give sigma 0). */
const VOLATILITY_FLOOR = 1e-6;


export function identityCalibration(horizons: number): OutputCalibration {
  return { temperature: new Array<number>(horizons).fill(1), sigmaScale: new Array<number>(horizons).fill(1) };
}

/** Whether horizon h's sigma depends on more than the model's sigma (needs the windows' volatility). */
export function usesVolatility(c: OutputCalibration, h: number): boolean {
  return c.regime !== undefined && (c.regime.modelExponent[h] !== 1 || c.regime.volatilityExponent[h] !== 0);
}

export function isIdentity(c: OutputCalibration): boolean {
  return c.temperature.every((t) => t === 1) && c.sigmaScale.every((s, h) => s === 1 && !usesVolatility(c, h));
}

/**
 * Realised volatility of each window: the RMS of ln(c[j] / c[j-1]) over its last `bars` 1-bar
 * returns (default all T - 1; `close` holds n windows of T values, row-major, as the windowing
 * writes them; any per-window scale cancels), at least VOLATILITY_FLOOR.
 */
export function windowVolatility(close: ArrayLike<number>, n: number, T: number, bars = T - 1): Float64Array {
  if (close.length !== n * T) throw new RangeError(`windowVolatility: ${close.length} closes for ${n} windows of ${T}`);
  if (T < 2) throw new RangeError(`windowVolatility: a window needs at least 2 closes (got ${T})`);
  if (!Number.isInteger(bars) || bars < 1 || bars > T - 1) throw new RangeError(`windowVolatility: bars must be an integer in [1, ${T - 1}] (got ${bars})`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = (i + 1) * T - bars; j < (i + 1) * T; j++) {
      const r = Math.log(close[j] / close[j - 1]);
      if (Number.isFinite(r)) sum += r * r;
    }
    out[i] = Math.max(VOLATILITY_FLOOR, Math.sqrt(sum / bars));
  }
  return out;
}

/**
 * Per horizon, the realised volatility its calibrated sigma needs for n windows of T closes
 * (undefined where the sigma is the model's alone); horizons with the same k share one array.
 */
export function calibrationVolatility(c: OutputCalibration, close: ArrayLike<number>, n: number, T: number): (Float64Array | undefined)[] {
  const byBars = new Map<number, Float64Array>();
  return c.temperature.map((_, h) => {
    if (!usesVolatility(c, h)) return undefined;
    const bars = c.regime!.volatilityBars?.[h] ?? T - 1;
    if (bars > T - 1) throw new RangeError(`calibration: horizon ${h}'s sigma takes the volatility of ${bars} returns, but a window has ${T - 1}`);
    if (!byBars.has(bars)) byBars.set(bars, windowVolatility(close, n, T, bars));
    return byBars.get(bars);
  });
}

function logit(p: number): number {
  const q = Math.min(1 - P_EPS, Math.max(P_EPS, p));
  return Math.log(q / (1 - q));
}

/** p' = sigmoid(logit(p) / T). */
export function calibrateProbability(p: number, temperature: number): number {
  if (temperature === 1) return p;
  return 1 / (1 + Math.exp(-logit(p) / temperature));
}

/**
 * Applies horizon h's calibration in place to columnar P(up) and variance arrays; `volatility`
 * (calibrationVolatility's array for h, of the same windows) is needed when it is regime-adaptive.
 */
export function applyCalibration(c: OutputCalibration, h: number, pUp: Float64Array, variance: Float64Array, volatility?: ArrayLike<number>): void {
  const t = c.temperature[h], s2 = c.sigmaScale[h] ** 2;
  if (t !== 1) for (let i = 0; i < pUp.length; i++) pUp[i] = calibrateProbability(pUp[i], t);
  if (usesVolatility(c, h)) {
    if (!volatility || volatility.length !== variance.length) {
      throw new RangeError(`applyCalibration: horizon ${h}'s sigma is regime-adaptive and needs one realised volatility per window (got ${volatility?.length ?? 'none'} for ${variance.length})`);
    }
    const a = c.regime!.modelExponent[h], b2 = 2 * c.regime!.volatilityExponent[h];
    for (let i = 0; i < variance.length; i++) variance[i] = s2 * variance[i] ** a * Math.max(VOLATILITY_FLOOR, volatility[i]) ** b2;
  } else if (s2 !== 1) for (let i = 0; i < variance.length; i++) variance[i] *= s2;
}

/** Mean negative log-likelihood of the labels (1 = up) under sigmoid(z / T). */
function temperedNll(z: Float64Array, up: Uint8Array, t: number): number {
  let sum = 0;
  for (let i = 0; i < z.length; i++) {
    const a = z[i] / t;
    // -ln sigmoid(a) = softplus(-a), -ln(1 - sigmoid(a)) = softplus(a), computed stably.
    const x = up[i] ? -a : a;
    sum += x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }
  return sum / z.length;
}

/**
 * The temperature minimising the validation NLL of P(up): a golden-section search on ln T in
 * [ln 0.05, ln 20] (the NLL is unimodal in 1/T for fixed logits). Labels: up = 1.
 */
export function fitTemperature(pUp: ArrayLike<number>, up: ArrayLike<number>): { temperature: number; nllBefore: number; nllAfter: number } {
  if (pUp.length !== up.length) throw new RangeError(`fitTemperature: ${pUp.length} probabilities but ${up.length} labels`);
  if (pUp.length === 0) throw new RangeError('fitTemperature: no samples');
  const z = Float64Array.from(pUp, logit);
  const y = Uint8Array.from(up, (v) => (v > 0 ? 1 : 0));
  const f = (lnT: number) => temperedNll(z, y, Math.exp(lnT));
  let lo = Math.log(0.05), hi = Math.log(20);
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo), b = lo + g * (hi - lo);
  let fa = f(a), fb = f(b);
  for (let k = 0; k < 60; k++) {
    if (fa < fb) { hi = b; b = a; fb = fa; a = hi - g * (hi - lo); fa = f(a); }
    else { lo = a; a = b; fa = fb; b = lo + g * (hi - lo); fb = f(b); }
  }
  const temperature = Math.exp((lo + hi) / 2);
  return { temperature, nllBefore: f(0), nllAfter: f(Math.log(temperature)) };
}

/**
 * The factor s on sigma that makes |residual| <= s sigma hold for 68.27% of the samples: the
 * 68.27% quantile of |residual| / sigma (linear interpolation between order statistics).
 */
export function fitSigmaScale(residual: ArrayLike<number>, variance: ArrayLike<number>): { sigmaScale: number; coverageBefore: number } {
  if (residual.length !== variance.length) throw new RangeError(`fitSigmaScale: ${residual.length} residuals but ${variance.length} variances`);
  return scaleForCoverage(residual, (i) => Math.sqrt(variance[i]));
}

/** fitSigmaScale on sigma `sd(i)` of each sample. */
function scaleForCoverage(residual: ArrayLike<number>, sdOf: (i: number) => number): { sigmaScale: number; coverageBefore: number } {
  const all = new Float64Array(residual.length);
  let used = 0, covered = 0;
  for (let i = 0; i < residual.length; i++) {
    const sd = sdOf(i);
    if (!(sd > 0) || !Number.isFinite(residual[i])) continue;
    const r = Math.abs(residual[i]) / sd;
    all[used++] = r;
    if (r <= 1) covered++;
  }
  if (used === 0) throw new RangeError('fitSigmaScale: no sample with a finite residual and a positive variance');
  // A typed array sorts numerically, without a comparator call per pair.
  const ratios = all.subarray(0, used).sort();
  const pos = ONE_SIGMA_COVERAGE * (ratios.length - 1);
  const k = Math.floor(pos);
  const q = k + 1 < ratios.length ? ratios[k] + (pos - k) * (ratios[k + 1] - ratios[k]) : ratios[k];
  // A degenerate fit (every residual 0) would zero the variance; keep sigma as predicted then.
  return { sigmaScale: q > 0 ? q : 1, coverageBefore: covered / ratios.length };
}

/** The k the regime fit chooses among for windows of T closes: rv over the last 4, 8, 16, 32 and all T - 1 returns. */
export function regimeVolatilityBars(T: number): number[] {
  return [...[4, 8, 16, 32].filter((k) => k < T - 1), T - 1];
}

/**
 * The groups fitRegimeSigma checks coverage in: each window's symbol x the quarter of that
 * symbol's windows it falls in (windows in time order per symbol) x the tercile of its
 * realised volatility `volatility` (over all windows). A sigma that is right holds 68% in each:
 * in every symbol, period and volatility level.
 */
export function coverageGroups(symbol: ArrayLike<number>, volatility: ArrayLike<number>): Int32Array {
  const n = symbol.length;
  if (volatility.length !== n) throw new RangeError(`coverageGroups: ${n} symbols but ${volatility.length} volatilities`);
  const sorted = Float64Array.from(volatility).sort();
  const cut = [sorted[Math.floor(n / 3)], sorted[Math.floor((2 * n) / 3)]];
  const total = new Map<number, number>(), seen = new Map<number, number>();
  for (let i = 0; i < n; i++) total.set(symbol[i], (total.get(symbol[i]) ?? 0) + 1);
  return Int32Array.from({ length: n }, (_, i) => {
    const s = symbol[i], k = seen.get(s) ?? 0;
    seen.set(s, k + 1);
    const quarter = Math.floor((4 * k) / total.get(s)!), tercile = volatility[i] < cut[0] ? 0 : volatility[i] < cut[1] ? 1 : 2;
    return (s * 4 + quarter) * 3 + tercile;
  });
}

/** Exponents on the model's sigma the regime fit chooses among: 0, 0.1, ..., 1. */
const MODEL_EXPONENTS = Array.from({ length: 11 }, (_, i) => i / 10);

/**
 * The regime-adaptive sigma of one horizon, sigma' = s sigma^a rv_k^(1 - a): the exponents sum
 * to 1, so sigma' scales with the market (bars twice as volatile, model sigma and rv twice as
 * large: sigma' twice as large). For each candidate (a, k) (a in 0, 0.1, ..., 1; rv_k over each
 * of `volatilities`, typically the last 4, 8, 16, 32 and all returns) s is set for 68.27%
 * coverage over all the windows, and the coverage is then counted per group (`groups[i]`:
 * coverageGroups, a symbol x a quarter of its validation period x a volatility tercile). The statistic
 * X = sum_g (coverage_g - 0.6827)^2 / (0.6827 * 0.3173 / n_g) is chi-square with G - 1 degrees
 * of freedom when the sigma is right in every group. Among the candidates whose X is within
 * (G - 1) + 2 sqrt(2 (G - 1)) the one with the smallest a wins (ties: the smallest X); when
 * none is, the smallest X. The realised volatility follows a regime validation never saw by
 * construction, the model's sigma only if it learnt to, so it gets the weight the groups need
 * and no more: on the real 1h pairs its sigma, trained on 2017-2022, was off per symbol by
 * 10-20% in 2024 (bench/RESULTS.md "Forecast quality"). (The sharpest passing candidate is no
 * rule: the mean ln sigma' is flat near the right sigma, so noise would pick.)
 */
export function fitRegimeSigma(
  residual: ArrayLike<number>, variance: ArrayLike<number>, volatilities: { bars: number; volatility: ArrayLike<number> }[], groups: ArrayLike<number>,
): { modelExponent: number; volatilityExponent: number; volatilityBars: number; sigmaScale: number; coverageBefore: number; stability: number } {
  const n = residual.length;
  if (variance.length !== n || groups.length !== n || volatilities.some((v) => v.volatility.length !== n)) {
    throw new RangeError(`fitRegimeSigma: ${n} residuals, ${variance.length} variances, ${groups.length} groups and volatilities of ${volatilities.map((v) => v.volatility.length).join(', ')}`);
  }
  if (volatilities.length === 0) throw new RangeError('fitRegimeSigma: no realised volatility to choose from');
  const { coverageBefore } = fitSigmaScale(residual, variance);
  const groupIds = new Map<number, number>();
  for (let i = 0; i < n; i++) if (!groupIds.has(groups[i])) groupIds.set(groups[i], groupIds.size);
  const G = groupIds.size;
  const gi = Int32Array.from(groups, (g) => groupIds.get(g)!);
  const threshold = G - 1 + 2 * Math.sqrt(2 * (G - 1));
  const p = ONE_SIGMA_COVERAGE;
  let best: { stability: number; passes: boolean; a: number; bars: number; s: number } | undefined;
  for (const { bars, volatility } of volatilities) {
    for (const a of MODEL_EXPONENTS) {
      const sd = Float64Array.from(variance, (v, i) => Math.sqrt(v) ** a * Math.max(VOLATILITY_FLOOR, volatility[i]) ** (1 - a));
      const s = scaleForCoverage(residual, (i) => sd[i]).sigmaScale;
      const inside = new Float64Array(G), count = new Float64Array(G);
      for (let i = 0; i < n; i++) {
        if (!(sd[i] > 0) || !Number.isFinite(residual[i])) continue;
        count[gi[i]]++;
        if (Math.abs(residual[i]) <= s * sd[i]) inside[gi[i]]++;
      }
      let stability = 0;
      for (let g = 0; g < G; g++) if (count[g] > 0) stability += (inside[g] / count[g] - p) ** 2 / ((p * (1 - p)) / count[g]);
      const passes = stability <= threshold;
      const better = !best || (passes !== best.passes ? passes : passes && a !== best.a ? a < best.a : stability < best.stability);
      if (better) best = { stability, passes, a, bars, s };
    }
  }
  return { modelExponent: best!.a, volatilityExponent: 1 - best!.a, volatilityBars: best!.bars, sigmaScale: best!.s, coverageBefore, stability: best!.stability };
}

export function writeCalibration(path: string, c: OutputCalibration): void {
  writeJsonAtomic(path, { version: 1, ...c });
}

/** The calibration saved at `path`, or the identity for `horizons` when there is none. */
export function readCalibration(path: string, horizons: number): OutputCalibration {
  if (!existsSync(path)) return identityCalibration(horizons);
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<OutputCalibration>;
  const ok = (v: unknown): v is number[] => Array.isArray(v) && v.length === horizons && v.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0);
  if (!ok(raw.temperature) || !ok(raw.sigmaScale)) {
    throw new Error(`${path}: temperature and sigmaScale must be arrays of ${horizons} positive numbers (one per horizon)`);
  }
  let regime: SigmaRegime | undefined;
  if (raw.regime !== undefined) {
    const exps = (v: unknown): v is number[] => Array.isArray(v) && v.length === horizons && v.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (!exps(raw.regime?.modelExponent) || !exps(raw.regime?.volatilityExponent)) {
      throw new Error(`${path}: regime.modelExponent and regime.volatilityExponent must be arrays of ${horizons} finite numbers (one per horizon)`);
    }
    const bars = raw.regime.volatilityBars;
    if (bars !== undefined && !(Array.isArray(bars) && bars.length === horizons && bars.every((k) => Number.isInteger(k) && k >= 1))) {
      throw new Error(`${path}: regime.volatilityBars must be an array of ${horizons} integers >= 1 (one per horizon)`);
    }
    regime = { modelExponent: raw.regime.modelExponent, volatilityExponent: raw.regime.volatilityExponent, ...(bars ? { volatilityBars: bars } : {}) };
  }
  return { temperature: raw.temperature, sigmaScale: raw.sigmaScale, ...(regime ? { regime } : {}), ...(raw.fit ? { fit: raw.fit } : {}) };
}
