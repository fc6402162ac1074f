import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Rng } from '../../src/data/random.js';
import {
  applyCalibration, calibrateProbability, calibrationVolatility, coverageGroups, fitRegimeSigma, fitSigmaScale, fitTemperature, identityCalibration, readCalibration,
  regimeVolatilityBars, windowVolatility, writeCalibration, type OutputCalibration,
} from '../../src/models/index.js';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

test('the temperature fit recovers a known over-confidence (logits doubled -> T = 2)', (t) => {
  const rng = new Rng(11);
  const n = 40000;
  for (const trueT of [2, 0.5]) {
    const pUp = new Float64Array(n);
    const up = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const z = 1.5 * rng.normal();
      up[i] = rng.uniform() < sigmoid(z) ? 1 : 0;  // labels from the true logit
      pUp[i] = sigmoid(z * trueT);              // the head reports the logit times trueT
    }
    const fit = fitTemperature(pUp, up);
    t.true(Math.abs(fit.temperature - trueT) / trueT < 0.05, `T ${fit.temperature} for ${trueT}`);
    t.true(fit.nllAfter < fit.nllBefore);
  }
});

test('a calibrated head keeps T near 1', (t) => {
  const rng = new Rng(12);
  const n = 40000;
  const pUp = new Float64Array(n);
  const up = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    pUp[i] = sigmoid(rng.normal());
    up[i] = rng.uniform() < pUp[i] ? 1 : 0;
  }
  t.true(Math.abs(fitTemperature(pUp, up).temperature - 1) < 0.05);
});

test('the sigma scale recovers a known miscalibration and gives 68% coverage', (t) => {
  const rng = new Rng(13);
  const n = 40000;
  for (const [predictedSigma, expected] of [[2, 0.5], [0.5, 2]] as const) {
    const residual = Float64Array.from({ length: n }, () => rng.normal() * 1.0);
    const variance = new Float64Array(n).fill(predictedSigma ** 2);
    const { sigmaScale, coverageBefore } = fitSigmaScale(residual, variance);
    t.true(Math.abs(sigmaScale - expected) / expected < 0.03, `scale ${sigmaScale} for sigma ${predictedSigma}`);
    t.true(predictedSigma > 1 ? coverageBefore > 0.9 : coverageBefore < 0.4, `coverage before ${coverageBefore}`);
    const calibrated = variance.map((v) => v * sigmaScale ** 2);
    const covered = residual.filter((r, i) => Math.abs(r) <= Math.sqrt(calibrated[i])).length / n;
    t.true(Math.abs(covered - 0.6827) < 0.002, `coverage after ${covered}`);
  }
});

test('applying a calibration: temperature keeps 0.5 and the side, sigma scales the variance', (t) => {
  t.is(calibrateProbability(0.5, 3), 0.5);
  t.true(calibrateProbability(0.8, 2) < 0.8 && calibrateProbability(0.8, 2) > 0.5);
  t.true(Math.abs(calibrateProbability(0.8, 2) - sigmoid(Math.log(4) / 2)) < 1e-12);
  const pUp = Float64Array.of(0.2, 0.5, 0.9);
  const variance = Float64Array.of(1, 4, 9);
  applyCalibration({ temperature: [2], sigmaScale: [0.5] }, 0, pUp, variance);
  t.deepEqual(Array.from(variance), [0.25, 1, 2.25]);
  t.true(pUp[0] > 0.2 && pUp[0] < 0.5 && pUp[1] === 0.5 && pUp[2] < 0.9 && pUp[2] > 0.5);
});

test('a run without calibration.json reads as the identity; a bad file is an error naming it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ntp-cal-'));
  const path = join(dir, 'calibration.json');
  t.deepEqual(readCalibration(path, 3), identityCalibration(3));
  writeCalibration(path, { temperature: [1.5, 2, 1], sigmaScale: [0.8, 1, 1.2] });
  t.deepEqual(readCalibration(path, 3), { temperature: [1.5, 2, 1], sigmaScale: [0.8, 1, 1.2] });
  t.throws(() => readCalibration(path, 2), { message: /calibration\.json.*2 positive numbers/ });
  writeFileSync(path, JSON.stringify({ temperature: [1, -1, 1], sigmaScale: [1, 1, 1] }));
  t.throws(() => readCalibration(path, 3), { message: /calibration\.json/ });
  t.throws(() => fitTemperature([0.5], []), { instanceOf: RangeError });
  t.throws(() => fitSigmaScale([1], [0]), { message: /no sample/ });
});

/**
 * Closes whose 1-bar log returns have the volatility `vol[t]`; `windows(ends)` gives the close
 * channel of the windows ending there (normalised by each window's last close, as the windowing writes it).
 */
function regimeSeries(vol: Float64Array, seed: number, T: number) {
  const rng = new Rng(seed);
  const ret = Float64Array.from(vol, (v) => v * rng.normal());
  const logClose = new Float64Array(vol.length);
  for (let t = 1; t < vol.length; t++) logClose[t] = logClose[t - 1] + ret[t];
  const windows = (ends: Int32Array) => {
    const close = new Float32Array(ends.length * T);
    ends.forEach((e, i) => { for (let r = 0; r < T; r++) close[i * T + r] = Math.exp(logClose[e - T + 1 + r] - logClose[e]); });
    return close;
  };
  return { ret, windows };
}

test('windowVolatility: the RMS of the window\'s last k 1-bar log returns (default all), floored; bad shapes are errors', (t) => {
  const close = Float32Array.of(1, 1.01, 1.01 * Math.exp(-0.02), 1, 1, 1);
  const rv = windowVolatility(close, 2, 3);
  t.true(Math.abs(rv[0] - Math.sqrt((Math.log(1.01) ** 2 + 0.02 ** 2) / 2)) < 1e-6);
  t.is(rv[1], 1e-6);
  t.true(Math.abs(windowVolatility(close, 2, 3, 1)[0] - 0.02) < 1e-6, 'the last return only');
  t.throws(() => windowVolatility(close, 3, 3), { instanceOf: RangeError, message: /6 closes for 3 windows of 3/ });
  t.throws(() => windowVolatility(Float32Array.of(1, 2), 2, 1), { instanceOf: RangeError, message: /at least 2 closes/ });
  t.throws(() => windowVolatility(close, 2, 3, 3), { instanceOf: RangeError, message: /bars must be an integer in \[1, 2\]/ });
  t.deepEqual(regimeVolatilityBars(64), [4, 8, 16, 32, 63]);
  t.deepEqual(regimeVolatilityBars(6), [4, 5]);
  t.deepEqual(regimeVolatilityBars(3), [2]);
});

/** rv over each candidate span for the windows `close` (n windows of T). */
const candidatesOf = (close: Float32Array, n: number, T: number) =>
  regimeVolatilityBars(T).map((bars) => ({ bars, volatility: windowVolatility(close, n, T, bars) }));
const coverageOf = (residual: Float64Array, variance: Float64Array) =>
  residual.filter((r, i) => Math.abs(r) <= Math.sqrt(variance[i])).length / residual.length;

test('regime-adaptive sigma: fit on a wild validation period, coverage on a later calmer one stays near 68% (a scale alone does not)', (t) => {
  const T = 64;
  // Validation: volatility switching between 1% and 2.5% every 500 bars; then a calm 0.4% period.
  const valBars = 6000, calmBars = 6000;
  const vol = Float64Array.from({ length: T + valBars + calmBars }, (_, i) =>
    (i < T + valBars ? (Math.floor(i / 500) % 2 === 0 ? 0.01 : 0.025) : 0.004));
  const { ret, windows } = regimeSeries(vol, 21, T);
  const segment = (start: number, end: number) => {
    const ends = Int32Array.from({ length: end - start }, (_, i) => start + i);
    // The target is the next bar's return; the model's mean is 0 and its sigma a constant 1.5%
    // (a head that does not follow the regime), with a little noise so it is not exactly constant.
    const rng = new Rng(start);
    const close = windows(ends);
    return {
      close, n: ends.length,
      residual: Float64Array.from(ends, (e) => ret[e + 1]),
      variance: Float64Array.from(ends, () => (0.015 * (1 + 0.01 * rng.normal())) ** 2),
    };
  };
  const val = segment(T, T + valBars - 1);
  const calm = segment(T + valBars, T + valBars + calmBars - 1);
  const candidates = candidatesOf(val.close, val.n, T);
  const fit = fitRegimeSigma(val.residual, val.variance, candidates, coverageGroups(new Int32Array(val.n), candidates[candidates.length - 1].volatility));
  t.true(fit.modelExponent <= 0.1, `model exponent ${fit.modelExponent}: the constant sigma carries no information`);
  t.is(fit.volatilityExponent, 1 - fit.modelExponent);
  t.true(regimeVolatilityBars(T).includes(fit.volatilityBars));
  const regime: OutputCalibration = {
    temperature: [1], sigmaScale: [fit.sigmaScale],
    regime: { modelExponent: [fit.modelExponent], volatilityExponent: [fit.volatilityExponent], volatilityBars: [fit.volatilityBars] },
  };
  const scaleOnly: OutputCalibration = { temperature: [1], sigmaScale: [fitSigmaScale(val.residual, val.variance).sigmaScale] };
  const coverage = (c: OutputCalibration, s: ReturnType<typeof segment>) => {
    const variance = Float64Array.from(s.variance);
    applyCalibration(c, 0, new Float64Array(variance.length), variance, calibrationVolatility(c, s.close, s.n, T)[0]);
    return coverageOf(s.residual, variance);
  };
  t.true(Math.abs(coverage(regime, val) - 0.6827) < 0.01, `validation coverage ${coverage(regime, val)}`);
  t.true(Math.abs(coverage(scaleOnly, val) - 0.6827) < 0.01);
  const calmRegime = coverage(regime, calm), calmScale = coverage(scaleOnly, calm);
  t.true(Math.abs(calmRegime - 0.6827) < 0.02, `calm-period coverage with the regime-adaptive sigma ${calmRegime}`);
  t.true(calmScale > 0.9, `calm-period coverage with the scale alone ${calmScale}: sigma far too wide`);
});

test('regime-adaptive sigma keeps an informative model sigma (a near 1) when the realised volatility does not hold', (t) => {
  const rng = new Rng(31);
  const n = 20000;
  // The model's sigma is right up to a factor 2; the volatility is unrelated noise.
  const sample = () => {
    const sigma = Float64Array.from({ length: n }, () => 0.005 * Math.exp(rng.normal()));
    return {
      residual: Float64Array.from(sigma, (s) => 2 * s * rng.normal()),
      variance: Float64Array.from(sigma, (s) => s * s),
      volatility: Float64Array.from({ length: n }, () => 0.01 * Math.exp(0.3 * rng.normal())),
    };
  };
  const a = sample(), b = sample();
  const fit = fitRegimeSigma(a.residual, a.variance, [{ bars: 8, volatility: a.volatility }], coverageGroups(new Int32Array(n), a.volatility));
  t.true(fit.modelExponent >= 0.8, `model exponent ${fit.modelExponent}`);
  t.is(fit.volatilityExponent, 1 - fit.modelExponent);
  const c: OutputCalibration = {
    temperature: [1], sigmaScale: [fit.sigmaScale], regime: { modelExponent: [fit.modelExponent], volatilityExponent: [fit.volatilityExponent], volatilityBars: [8] },
  };
  applyCalibration(c, 0, new Float64Array(n), b.variance, b.volatility);
  t.true(Math.abs(coverageOf(b.residual, b.variance) - 0.6827) < 0.015, `coverage on a fresh sample ${coverageOf(b.residual, b.variance)}`);
});

test('regime-adaptive sigma leaves a model sigma that is right on average but off per symbol for the realised volatility', (t) => {
  const rng = new Rng(37);
  const n = 16000;
  // Two symbols; the model's sigma is 1.4x the truth on the first and 0.7x on the second (the
  // pooled 68% holds, neither symbol's does); rv is the truth with estimation noise.
  const sample = () => {
    const truth = Float64Array.from({ length: n }, () => 0.01 * Math.exp(0.5 * rng.normal()));
    const symbol = Int32Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1));
    return {
      symbol, residual: Float64Array.from(truth, (s) => s * rng.normal()),
      variance: Float64Array.from(truth, (s, i) => (s * (symbol[i] === 0 ? 1.4 : 0.7)) ** 2),
      volatility: Float64Array.from(truth, (s) => s * Math.exp(0.15 * rng.normal())),
    };
  };
  const a = sample(), b = sample();
  const groups = coverageGroups(a.symbol, a.volatility);
  const perSymbol = (x: ReturnType<typeof sample>, variance: Float64Array) => [0, 1].map((s) => {
    const keep = (_: number, i: number) => x.symbol[i] === s;
    return coverageOf(x.residual.filter(keep), variance.filter(keep));
  });
  const scale = fitSigmaScale(a.residual, a.variance).sigmaScale;
  const scaled = Float64Array.from(b.variance, (v) => v * scale ** 2);
  const [s0, s1] = perSymbol(b, scaled);
  t.true(s0 > 0.75 && s1 < 0.6, `the scale alone covers ${s0} and ${s1}`);
  const fit = fitRegimeSigma(a.residual, a.variance, [{ bars: 16, volatility: a.volatility }], groups);
  t.true(fit.modelExponent <= 0.2, `model exponent ${fit.modelExponent}`);
  const c: OutputCalibration = {
    temperature: [1], sigmaScale: [fit.sigmaScale], regime: { modelExponent: [fit.modelExponent], volatilityExponent: [fit.volatilityExponent], volatilityBars: [16] },
  };
  const calibrated = Float64Array.from(b.variance);
  applyCalibration(c, 0, new Float64Array(n), calibrated, b.volatility);
  for (const cov of perSymbol(b, calibrated)) t.true(Math.abs(cov - 0.6827) < 0.03, `per-symbol coverage ${cov}`);
  t.throws(() => fitRegimeSigma(a.residual, a.variance, [], groups), { message: /no realised volatility/ });
  t.throws(() => fitRegimeSigma(a.residual, a.variance, [{ bars: 16, volatility: a.volatility }], groups.subarray(1)), { instanceOf: RangeError });
});

test('a regime-adaptive calibration needs the windows\' volatility and round-trips through calibration.json', (t) => {
  const c: OutputCalibration = { temperature: [1, 1], sigmaScale: [2, 1], regime: { modelExponent: [0, 1], volatilityExponent: [1, 0] } };
  const variance = Float64Array.of(4, 9);
  t.throws(() => applyCalibration(c, 0, new Float64Array(2), variance), { instanceOf: RangeError, message: /regime-adaptive/ });
  applyCalibration(c, 0, new Float64Array(2), variance, Float64Array.of(0.01, 0.02));
  t.true(Math.abs(variance[0] - 4 * 0.01 ** 2) < 1e-15 && Math.abs(variance[1] - 4 * 0.02 ** 2) < 1e-15);
  // Exponents 1 and 0 are the scale alone: no volatility needed.
  const v1 = Float64Array.of(4);
  applyCalibration(c, 1, new Float64Array(1), v1);
  t.deepEqual(Array.from(v1), [4]);
  const dir = mkdtempSync(join(tmpdir(), 'ntp-cal-regime-'));
  const path = join(dir, 'calibration.json');
  writeCalibration(path, c);
  t.deepEqual(readCalibration(path, 2), c);
  writeFileSync(path, JSON.stringify({ ...c, regime: { modelExponent: [0], volatilityExponent: [1, 0] } }));
  t.throws(() => readCalibration(path, 2), { message: /calibration\.json: regime\.modelExponent/ });
  const spans = { ...c, regime: { ...c.regime!, volatilityBars: [2, 3] } };
  writeCalibration(path, spans);
  t.deepEqual(readCalibration(path, 2), spans);
  writeFileSync(path, JSON.stringify({ ...c, regime: { ...c.regime, volatilityBars: [2, 0.5] } }));
  t.throws(() => readCalibration(path, 2), { message: /calibration\.json: regime\.volatilityBars/ });
});

test('coverage groups: symbol x quarter of its windows x volatility tercile', (t) => {
  const symbol = Int32Array.of(0, 0, 0, 0, 1, 1, 1, 1);
  const volatility = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  // Tercile cuts at the values of rank floor(8/3) = 2 and floor(16/3) = 5: 3 and 6.
  t.deepEqual(Array.from(coverageGroups(symbol, volatility)), [0, 3, 7, 10, 13, 17, 20, 23]);
  t.throws(() => coverageGroups(symbol, volatility.subarray(1)), { instanceOf: RangeError });
});

test('calibrationVolatility: per horizon over its span (all returns for files without one), none for the model\'s sigma alone', (t) => {
  const close = Float32Array.of(1, 1.02, 1.01, 1.03, 1.03, /* second window */ 1, 1, 1, 1, 1.05);
  const both: OutputCalibration = { temperature: [1, 1, 1], sigmaScale: [1, 1, 1], regime: { modelExponent: [0, 0.5, 1], volatilityExponent: [1, 0.5, 0], volatilityBars: [2, 4, 4] } };
  const [v0, v1, v2] = calibrationVolatility(both, close, 2, 5);
  t.deepEqual(Array.from(v0!), Array.from(windowVolatility(close, 2, 5, 2)));
  t.deepEqual(Array.from(v1!), Array.from(windowVolatility(close, 2, 5, 4)));
  t.is(v2, undefined);
  const old: OutputCalibration = { temperature: [1], sigmaScale: [1], regime: { modelExponent: [0], volatilityExponent: [1] } };
  t.deepEqual(Array.from(calibrationVolatility(old, close, 2, 5)[0]!), Array.from(windowVolatility(close, 2, 5)));
  t.throws(() => calibrationVolatility(both, close.subarray(0, 6), 2, 3), { instanceOf: RangeError, message: /4 returns, but a window has 2/ });
});
