/**
 * Calibration of the model's probabilistic outputs (issue 17 item 4), fit on the validation
 * split after training and saved beside the model (`calibration.json` in the run directory):
 *  - P(up) per horizon by a temperature T: p' = sigmoid(logit(p) / T). T > 1 softens an
 *    over-confident head, T < 1 sharpens a timid one; p = 0.5 stays 0.5, so the direction
 *    calls (and accuracy, MCC) are unchanged and only the confidence moves.
 *  - sigma per horizon by a factor s: sigma' = s sigma, chosen so that |y - mu| <= sigma'
 *    holds on 68.27% of the validation windows (1-sigma coverage of a Gaussian); or, with
 *    `regime` (training.sigmaCalibration: regime), sigma' = s sigma^a rv^(1 - a), where rv is
 *    the realised volatility of the window's own closes (RMS of its 1-bar log returns: causal)
 *    and a in [0, 1] comes from a fit over the validation windows (fitRegimeSigma). A scale
 *    alone fit on one period does not carry to a calmer or wilder one when the model's sigma
 *    does not follow the regime; |y - mu| / rv does (bench/RESULTS.md, "Forecast quality").
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
  fit?: { split: string; windows: number; coverageBefore: number[]; nllBefore: number[]; nllAfter: number[] };
}

export interface SigmaRegime {
  /** a: exponent on the model's sigma. */
  modelExponent: number[];
  /** b: exponent on the window's realised volatility. */
  volatilityExponent: number[];
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
 * Realised volatility of each window: the RMS of ln(c[j] / c[j-1]) over its T closes (`close`
 * holds n windows of T values, row-major, as the windowing writes them; any per-window scale
 * cancels), at least VOLATILITY_FLOOR.
 */
export function windowVolatility(close: ArrayLike<number>, n: number, T: number): Float64Array {
  if (close.length !== n * T) throw new RangeError(`windowVolatility: ${close.length} closes for ${n} windows of ${T}`);
  if (T < 2) throw new RangeError(`windowVolatility: a window needs at least 2 closes (got ${T})`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = i * T + 1; j < (i + 1) * T; j++) {
      const r = Math.log(close[j] / close[j - 1]);
      if (Number.isFinite(r)) sum += r * r;
    }
    out[i] = Math.max(VOLATILITY_FLOOR, Math.sqrt(sum / (T - 1)));
  }
  return out;
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
 * (windowVolatility of the same windows) is needed when the calibration is regime-adaptive.
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
  const ratios: number[] = [];
  let covered = 0;
  for (let i = 0; i < residual.length; i++) {
    const sd = Math.sqrt(variance[i]);
    if (!(sd > 0) || !Number.isFinite(residual[i])) continue;
    const r = Math.abs(residual[i]) / sd;
    ratios.push(r);
    if (r <= 1) covered++;
  }
  if (ratios.length === 0) throw new RangeError('fitSigmaScale: no sample with a finite residual and a positive variance');
  ratios.sort((x, y) => x - y);
  const pos = ONE_SIGMA_COVERAGE * (ratios.length - 1);
  const k = Math.floor(pos);
  const q = k + 1 < ratios.length ? ratios[k] + (pos - k) * (ratios[k + 1] - ratios[k]) : ratios[k];
  // A degenerate fit (every residual 0) would zero the variance; keep sigma as predicted then.
  return { sigmaScale: q > 0 ? q : 1, coverageBefore: covered / ratios.length };
}

/**
 * The measurement noise of ln rv (windowVolatility): rv is an estimate from T - 1 returns, and
 * ln rv = ln(true volatility) + u. The two halves of a window estimate the same volatility with
 * independent noise of twice the variance each, so var(u) = var(ln rv_first - ln rv_second) / 4
 * (windows with a flat half are left out). Returns 0 when there are fewer than two windows.
 */
export function volatilityNoise(close: ArrayLike<number>, n: number, T: number): { sum: number; sumSq: number; count: number } {
  if (close.length !== n * T) throw new RangeError(`volatilityNoise: ${close.length} closes for ${n} windows of ${T}`);
  const half = Math.floor((T - 1) / 2);
  let sum = 0, sumSq = 0, count = 0;
  if (half < 1) return { sum, sumSq, count };
  for (let i = 0; i < n; i++) {
    let a = 0, b = 0;
    for (let j = 1; j <= half; j++) a += Math.log(close[i * T + j] / close[i * T + j - 1]) ** 2;
    for (let j = T - half; j < T; j++) b += Math.log(close[i * T + j] / close[i * T + j - 1]) ** 2;
    if (!(a > 0 && b > 0 && Number.isFinite(a) && Number.isFinite(b))) continue;
    const d = 0.5 * Math.log(a / b);
    sum += d; sumSq += d * d; count++;
  }
  return { sum, sumSq, count };
}

/** var(u) from volatilityNoise's sums (accumulated over batches). */
export function noiseVariance(s: { sum: number; sumSq: number; count: number }): number {
  return s.count > 1 ? Math.max(0, (s.sumSq - (s.sum * s.sum) / s.count) / (s.count - 1)) / 4 : 0;
}

/**
 * The regime-adaptive sigma of one horizon, sigma' = s sigma^a rv^(1 - a): the exponents sum
 * to 1, so sigma' scales with the market (bars twice as volatile, model sigma and rv twice as
 * large: sigma' twice as large) and a scale fit in one volatility regime holds in another. a is
 * the slope of ln(|residual| / rv) on ln(sigma / rv) (E ln|e| = ln sigma_e + const for a
 * Gaussian e), corrected for the noise of ln rv (`noise` = its variance, volatilityNoise), which
 * is in both sides and would pull a towards 1 - a constant model sigma would look informative
 * and sigma' would follow the regime only in part; clamped to [0, 1]: 1 = the model's sigma
 * explains the residuals, 0 = the realised volatility does. s then comes from fitSigmaScale.
 */
export function fitRegimeSigma(
  residual: ArrayLike<number>, variance: ArrayLike<number>, volatility: ArrayLike<number>, noise = 0,
): { modelExponent: number; volatilityExponent: number; sigmaScale: number; coverageBefore: number } {
  if (residual.length !== variance.length || residual.length !== volatility.length) {
    throw new RangeError(`fitRegimeSigma: ${residual.length} residuals, ${variance.length} variances and ${volatility.length} volatilities`);
  }
  if (!(noise >= 0 && Number.isFinite(noise))) throw new RangeError(`fitRegimeSigma: noise must be a finite variance >= 0 (got ${noise})`);
  const { coverageBefore } = fitSigmaScale(residual, variance);
  let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < residual.length; i++) {
    const r = Math.abs(residual[i]);
    if (!(r > 0 && Number.isFinite(r) && variance[i] > 0 && Number.isFinite(variance[i]))) continue;
    const lnRv = Math.log(Math.max(VOLATILITY_FLOOR, volatility[i]));
    const x = 0.5 * Math.log(variance[i]) - lnRv, y = Math.log(r) - lnRv;
    n++; sx += x; sy += y; sxx += x * x; sxy += x * y;
  }
  const varX = n > 1 ? (sxx - (sx * sx) / n) / n - noise : 0;
  const cov = n > 1 ? (sxy - (sx * sy) / n) / n - noise : 0;
  // Nothing in ln(sigma / rv) beyond the noise of rv (e.g. a constant multiple of rv): a = 0.
  const a = varX > 1e-12 ? Math.min(1, Math.max(0, cov / varX)) : 0;
  const base = Float64Array.from(variance, (v, i) => v ** a * Math.max(VOLATILITY_FLOOR, volatility[i]) ** (2 * (1 - a)));
  return { modelExponent: a, volatilityExponent: 1 - a, sigmaScale: fitSigmaScale(residual, base).sigmaScale, coverageBefore };
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
    regime = { modelExponent: raw.regime.modelExponent, volatilityExponent: raw.regime.volatilityExponent };
  }
  return { temperature: raw.temperature, sigmaScale: raw.sigmaScale, ...(regime ? { regime } : {}), ...(raw.fit ? { fit: raw.fit } : {}) };
}
