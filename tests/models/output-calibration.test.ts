import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Rng } from '../../src/data/random.js';
import {
  applyCalibration, calibrateProbability, fitSigmaScale, fitTemperature, identityCalibration, readCalibration, writeCalibration,
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
