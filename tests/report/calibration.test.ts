import test from 'ava';

import { expectedCalibrationError, reliabilitySvg } from '../../src/report/calibration.js';

const bins = (pairs: [number, number][]) => pairs.map(([meanPredicted, observed]) => ({ meanPredicted, observed, count: 10 }));

test('the reliability diagram shows before and after calibration when both are given', (t) => {
  const h = { horizon: 'h0 (+1 bars)', accuracy: 0.5, f1: 0.5, mcc: 0, coverage1Sigma: 0.68 };
  const after = bins([[0.45, 0.44], [0.55, 0.56]]);
  const before = bins([[0.2, 0.44], [0.8, 0.56]]);
  const both = reliabilitySvg({ ...h, reliability: after, reliabilityUncalibrated: before });
  t.regex(both, /data-series="before calibration"/);
  t.regex(both, /data-series="after calibration"/);
  const one = reliabilitySvg({ ...h, reliability: after });
  t.regex(one, /data-series="observed"/);
  t.notRegex(one, /before calibration/);
  t.true(expectedCalibrationError(after) < expectedCalibrationError(before));
});
