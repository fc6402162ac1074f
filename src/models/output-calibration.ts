/**
 * Calibration of the model's probabilistic outputs (issue 17 item 4), fit on the validation
 * split after training and saved beside the model (`calibration.json` in the run directory):
 *  - P(up) per horizon by a temperature T: p' = sigmoid(logit(p) / T). T > 1 softens an
 *    over-confident head, T < 1 sharpens a timid one; p = 0.5 stays 0.5, so the direction
 *    calls (and accuracy, MCC) are unchanged and only the confidence moves.
 *  - sigma per horizon by a factor s: sigma' = s sigma (variance' = s^2 variance), chosen so
 *    that |y - mu| <= sigma' holds on 68.27% of the validation windows (1-sigma coverage of a
 *    Gaussian).
 * A run without the file (older runs) predicts uncalibrated: the identity (T = 1, s = 1).
 */
import { existsSync, readFileSync } from 'node:fs';

import { writeJsonAtomic } from '../util/atomic-write.js';

export interface OutputCalibration {
  /** Per horizon. */
  temperature: number[];
  /** Per horizon: factor on sigma (its square on the variance). */
  sigmaScale: number[];
  /** What the fit saw (absent for the identity). */
  fit?: { split: string; windows: number; coverageBefore: number[]; nllBefore: number[]; nllAfter: number[] };
}

/** 1-sigma coverage of a Gaussian: P(|z| <= 1). */
export const ONE_SIGMA_COVERAGE = 0.6826894921370859;
const P_EPS = 1e-7;

export function identityCalibration(horizons: number): OutputCalibration {
  return { temperature: new Array<number>(horizons).fill(1), sigmaScale: new Array<number>(horizons).fill(1) };
}

export function isIdentity(c: OutputCalibration): boolean {
  return c.temperature.every((t) => t === 1) && c.sigmaScale.every((s) => s === 1);
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

/** Applies horizon h's calibration in place to columnar P(up) and variance arrays. */
export function applyCalibration(c: OutputCalibration, h: number, pUp: Float64Array, variance: Float64Array): void {
  const t = c.temperature[h], s2 = c.sigmaScale[h] ** 2;
  if (t !== 1) for (let i = 0; i < pUp.length; i++) pUp[i] = calibrateProbability(pUp[i], t);
  if (s2 !== 1) for (let i = 0; i < variance.length; i++) variance[i] *= s2;
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
  return { temperature: raw.temperature, sigmaScale: raw.sigmaScale, ...(raw.fit ? { fit: raw.fit } : {}) };
}
