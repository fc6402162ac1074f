/**
 * The fused composite loss (losses/fused.ts) on the cpu backend with the native kernels: the
 * total, the four terms and every head's gradient equal compositeLoss's tfjs ops, for each trend
 * variant and per-horizon settings; it falls back to compositeLoss where it does not apply, and
 * refuses what compositeLoss refuses. The ntp backend's kernel is compared in
 * tests/runtime/ntp-backend/kernels.test.ts.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';

import { compositeLoss, type CompositeLossOptions, compositeTotal, fusedCompositeLoss, fusedLossSettings, type ModelOutputs } from '../../src/losses/index.js';
import { setNativeKernels } from '../../src/models/native-kernels.js';
import { nativeAddon } from '../../src/native/addon.js';
import { mulberry32 } from '../../src/data/random.js';
import { closeAll } from './approx.js';

await tf.setBackend('cpu');

const HEAD_NAMES = (H: number) => ['price', 'direction', 'variance'].flatMap((head) => Array.from({ length: H }, (_, h) => `${head}_h${h}`));

/** Probabilities past the clip and on its float32 bounds (inside: the gradient flows), variances under and on the floor. */
const DIRECTION_EDGES = [1, 0, Math.fround(1e-7), Math.fround(1 - 1e-7)];
const VARIANCE_EDGES = [1e-9, Math.fround(1e-6)];

/** Seeded outputs [B, 1] with the edge cases in the first rows. */
function batch(B: number, H: number, seed: number) {
  const r = mulberry32(seed);
  const heads = HEAD_NAMES(H).map((name) => tf.tensor2d(Array.from({ length: B }, (_, j) => {
    const u = r();
    if (name.startsWith('direction')) return DIRECTION_EDGES[j] ?? u;
    if (name.startsWith('variance')) return VARIANCE_EDGES[j] ?? 0.05 + u;
    return 4 * u - 2;
  }), [B, 1]));
  const y = tf.tensor2d(Array.from({ length: B * H }, () => 3 * r() - 1.5), [B, H]);
  return { heads, y, d: tf.cast(tf.greater(y, 0), 'float32') as tf.Tensor2D };
}

const named = (H: number, xs: tf.Tensor[]): ModelOutputs => Object.fromEntries(HEAD_NAMES(H).map((n, k) => [n, xs[k]]));

/** Total, terms and head gradients of compositeLoss (tfjs ops) and of the fused op, in one call each. */
async function both(B: number, H: number, options: CompositeLossOptions) {
  const { heads, y, d } = batch(B, H, 7 + B + H);
  setNativeKernels(false);
  const want = tf.tidy(() => {
    const loss = compositeLoss(named(H, heads), { y, d }, options);
    const grads = tf.grads((...xs: tf.Tensor[]) => compositeLoss(named(H, xs), { y, d }, options).total)(heads);
    return { total: loss.total.dataSync()[0], terms: ['price', 'direction', 'variance', 'trend'].map((k) => loss.terms[k as 'price'].dataSync()[0]),
      grads: grads.map((g) => Array.from(g.dataSync())) };
  });
  setNativeKernels(true);
  let got!: { total: number; terms: number[]; grads: number[][]; viaTotal: number };
  // tfjs's ops would dispatch Log kernels; the fused op dispatches none (it is one addon call).
  const profile = await tf.profile(() => {
    got = tf.tidy(() => {
      const settings = fusedLossSettings(options, B, H)!;
      const stacked = tf.concat(heads, 1) as tf.Tensor2D;
      const { total, terms } = fusedCompositeLoss(stacked, y, d, settings);
      const grads = tf.grads((...xs: tf.Tensor[]) => compositeTotal(named(H, xs), { y, d }, options))(heads);
      return { total: total.dataSync()[0], terms: Array.from(terms.dataSync()), grads: grads.map((g) => Array.from(g.dataSync())),
        viaTotal: compositeTotal(named(H, heads), { y, d }, options).dataSync()[0] };
    });
  });
  tf.dispose([...heads, y, d]);
  return { want, got, fused: !profile.kernelNames.includes('Log') };
}

for (const [label, B, H, options] of [
  ['defaults (extended trend)', 64, 3, {}],
  ['one horizon', 9, 1, {}],
  ['local trend, per-horizon alphas and weights, gamma 2', 17, 4,
    { losses: { trend: 'trend_local' }, horizonWeights: [1, 0.5, 2, 0], params: { focalAlpha: [0.2, 0.5, 0.7, 1], focalGamma: 2, huberDelta: 0.5 } }],
  ['global trend, gamma 0, zero variance weight', 11, 2,
    { losses: { trend: 'trend_global' }, weights: { variance: 0, trend: 1 }, params: { focalGamma: 0, huberDelta: 2 } }],
  ['extended trend, tau 0.5, Huber delta 0.3, gamma 0.5', 23, 6, { params: { trendTau: 0.5, huberDelta: 0.3, focalGamma: 0.5 } }],
  ['local trend, tau 0 (read only by the extended trend)', 8, 3, { losses: { trend: 'trend_local' }, params: { trendTau: 0 } }],
] as const) {
  test.serial(`fused composite loss, ${label}: total, terms and gradients as compositeLoss`, async (t) => {
    const { want, got, fused } = await both(B, H, options as CompositeLossOptions);
    t.true(fused, 'the fused op ran (no tfjs Log kernel)');
    closeAll(t, [got.total, got.viaTotal], [want.total, want.total]);
    closeAll(t, got.terms, want.terms);
    want.grads.forEach((g, k) => closeAll(t, got.grads[k], g, { abs: 1e-6, rel: 1e-4 }));
    setNativeKernels(false);
  });
}

test.serial('a loss the op does not compute, or the native kernels off, take compositeLoss', (t) => {
  t.is(fusedLossSettings({ losses: { direction: 'bce' } }, 4, 3), null);
  t.is(fusedLossSettings({ losses: { price: 'trend_local' } }, 4, 3), null);
  const most = nativeAddon().compositeLossMaxHorizons;
  t.is(most, 64);
  t.not(fusedLossSettings({}, 4, most), null);
  t.is(fusedLossSettings({}, 4, most + 1), null, 'more horizons than the op holds');
  t.is(fusedLossSettings({ params: { focalAlpha: [0.5, 0.5] } }, 4, 3), null, 'alphas of the wrong length: compositeLoss reports them');
  const { heads, y, d } = batch(5, 3, 1);
  const options = { losses: { direction: 'bce' } };
  setNativeKernels(true);
  const want = compositeLoss(named(3, heads), { y, d }, options).total.dataSync()[0];
  t.is(compositeTotal(named(3, heads), { y, d }, options).dataSync()[0], want, 'bce: the tfjs ops themselves');
  setNativeKernels(false);
  tf.dispose([...heads, y, d]);
});

test.serial('the fused path refuses what compositeLoss refuses, with the same message', (t) => {
  setNativeKernels(true);
  const { heads, y, d } = batch(4, 3, 2);
  const outputs = named(3, heads);
  for (const options of [{ params: { focalAlpha: 1.5 } }, { params: { focalGamma: -1 } }, { params: { trendTau: 0 } },
    { horizonWeights: [1, 1] }, { weights: { trend: -1 } }]) {
    setNativeKernels(false);
    const message = t.throws(() => compositeLoss(outputs, { y, d }, options))?.message;
    setNativeKernels(true);
    t.is(t.throws(() => compositeTotal(outputs, { y, d }, options))?.message, message, JSON.stringify(options));
  }
  const nan = { ...outputs, direction_h1: tf.fill([4, 1], NaN) };
  t.throws(() => compositeTotal(nan, { y, d }), { message: /outputs.direction_h1 has a non-finite value/ });
  // Unchecked, a NaN head gives a NaN loss, as tfjs's clip passes NaN on (the trainer's divergence check reads it).
  t.true(Number.isNaN(compositeTotal(nan, { y, d }, { checkInputs: false }).dataSync()[0]));
  setNativeKernels(false);
  tf.dispose([...heads, y, d]);
});
