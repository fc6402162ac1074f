import test from 'ava';

import { Rng } from '../../src/data/random.js';
import { deflatedSharpe, deflatedSharpeFromMoments, expectedMaxOfNormals } from '../../src/search/statistics/dsr.js';
import { moments } from '../../src/search/statistics/moments.js';
import { normalCdf, normalQuantile } from '../../src/search/statistics/normal.js';
import { probabilityOfBacktestOverfitting } from '../../src/search/statistics/pbo.js';

test('normal CDF and quantile match tabulated values', (t) => {
  // Abramowitz & Stegun table 26.1 / common z-values.
  t.true(Math.abs(normalCdf(1.959963984540054) - 0.975) < 1e-14);
  t.true(Math.abs(normalCdf(-1) - 0.15865525393145707) < 1e-14);
  t.true(Math.abs(normalCdf(3) - 0.9986501019683699) < 1e-14);
  t.true(Math.abs(normalCdf(-6) - 9.865876450376946e-10) < 1e-22);
  for (const p of [1e-12, 0.001, 0.025, 0.3, 0.5, 0.9, 0.999999]) t.true(Math.abs(normalCdf(normalQuantile(p)) - p) < 1e-13 * Math.max(1, p / 1e-3));
  t.is(normalQuantile(0.5), 0);
});

test('DSR reproduces the worked example of Bailey & Lopez de Prado (2014)', (t) => {
  // Paper, section "A numerical example": 100 trials, variance of the annualised Sharpe
  // ratios 1/2, best annualised Sharpe 2.5, five years of daily returns (T = 1250, 250 a
  // year), skew -3, kurtosis 10. The paper reports SR0 = 0.1132 (daily) and DSR = 0.9004.
  const r = deflatedSharpeFromMoments({ sharpe: 2.5 / Math.sqrt(250), observations: 1250, skew: -3, kurtosis: 10, trials: 100, sharpeVariance: 0.5 / 250 });
  t.true(Math.abs(r.expectedMaxSharpe - 0.1132) < 5e-5, `SR0 ${r.expectedMaxSharpe}`);
  t.true(Math.abs(r.dsr - 0.9004) < 5e-5, `DSR ${r.dsr}`);
});

test('expected maximum of N normals grows with N (false strategy theorem) and is 0 for one trial', (t) => {
  t.is(expectedMaxOfNormals(1), 0);
  // E[max of 2 standard normals] = 1/sqrt(pi) = 0.564; the approximation is close.
  t.true(Math.abs(expectedMaxOfNormals(2) - 1 / Math.sqrt(Math.PI)) < 0.05);
  t.true(expectedMaxOfNormals(1000) > expectedMaxOfNormals(100));
});

test('DSR from returns: moments are the sample moments, more trials deflate more', (t) => {
  const rng = new Rng(3);
  const returns = Array.from({ length: 2000 }, () => 0.001 + 0.01 * rng.normal());
  const m = moments(returns);
  const sharpes = Array.from({ length: 50 }, () => 0.02 * rng.normal());
  const few = deflatedSharpe({ returns, trials: 5, trialSharpes: sharpes.slice(0, 5) });
  const many = deflatedSharpe({ returns, trials: 500, trialSharpes: sharpes });
  t.is(few.skew, m.skew);
  t.is(few.kurtosis, m.kurtosis);
  t.true(Math.abs(few.sharpe - m.mean / m.std) < 1e-15);
  t.true(many.expectedMaxSharpe > few.expectedMaxSharpe);
  t.true(many.dsr < few.dsr);
});

test('PBO on a hand-built 4-block matrix (mean metric) is 2/3', (t) => {
  // Trial A earns 1, 2, 3, 4 in blocks 1-4; trial B earns 2.4 in each. For the six choices of
  // two in-sample blocks (mean of the in-sample blocks picks the best):
  //   IS {1,2}: A 1.5, B 2.4 -> B; OOS {3,4}: A 3.5 > B 2.4 -> B ranks last (overfit)
  //   IS {1,3}: A 2.0, B 2.4 -> B; OOS {2,4}: A 3.0 > B 2.4 -> overfit
  //   IS {1,4}: A 2.5, B 2.4 -> A; OOS {2,3}: A 2.5 > B 2.4 -> A ranks first
  //   IS {2,3}: A 2.5 -> A;        OOS {1,4}: A 2.5 > B 2.4 -> first
  //   IS {2,4}: A 3.0 -> A;        OOS {1,3}: A 2.0 < B 2.4 -> overfit
  //   IS {3,4}: A 3.5 -> A;        OOS {1,2}: A 1.5 < B 2.4 -> overfit
  // Four of six overfit: PBO = 2/3; logits are ln((1/3)/(2/3)) or ln((2/3)/(1/3)).
  const r = probabilityOfBacktestOverfitting([[1, 2, 3, 4], [2.4, 2.4, 2.4, 2.4]], { blocks: 4, metric: 'mean' });
  t.is(r.combinations, 6);
  t.true(Math.abs(r.pbo - 2 / 3) < 1e-15);
  t.deepEqual(r.logits.map((l) => Math.sign(l)), [-1, -1, 1, 1, -1, -1]);
  t.true(Math.abs(Math.abs(r.logits[0]) - Math.log(2)) < 1e-15);
});

test('PBO (Sharpe metric) is 0 when one trial beats the others in every block, about 1/2 for pure noise', (t) => {
  const rng = new Rng(11);
  const noise = Array.from({ length: 400 }, () => rng.normal());
  const better = noise.map((x) => x + 0.5);
  const others = Array.from({ length: 5 }, (_, k) => noise.map((x, i) => x + 0.01 * k * Math.sin(i)));
  t.is(probabilityOfBacktestOverfitting([...others, better], { blocks: 8 }).pbo, 0);
  // Skill-less trials: the in-sample best is no better than a random pick out of sample.
  let sum = 0;
  for (let rep = 0; rep < 6; rep++) {
    const trials = Array.from({ length: 20 }, () => Array.from({ length: 240 }, () => rng.normal()));
    sum += probabilityOfBacktestOverfitting(trials, { blocks: 8 }).pbo;
  }
  t.true(sum / 6 > 0.3 && sum / 6 < 0.75, `mean PBO of noise ${sum / 6}`);
});

test('PBO rejects ragged or too-small inputs with clear errors', (t) => {
  t.throws(() => probabilityOfBacktestOverfitting([[1, 2, 3, 4]]), { message: /at least 2 trials/ });
  t.throws(() => probabilityOfBacktestOverfitting([[1, 2, 3, 4], [1, 2, 3]]), { message: /trial 1 has 3 returns/ });
  t.throws(() => probabilityOfBacktestOverfitting([[1, 2, 3, 4], [1, 2, 3, 4]], { blocks: 3 }), { message: /even integer/ });
});
