/**
 * The composite loss's total through one fused native op (native/core/nn/composite_loss.h) for
 * the training step. tfjs composes the loss from ~100 small kernels and differentiates it op by op
 * (~500 dispatches with the tape's copies, 40% of a step's on the `ntp` backend, where dispatch
 * is a GPU step's floor); the op writes the total, the four terms and the gradient in one pass,
 * and its backward pass is one multiply.
 *
 * It runs on the `ntp` backend (its NtpCompositeLoss kernel) and on the cpu backend with the
 * native kernels on, for the losses the config can choose (the default per-horizon losses, Huber,
 * focal and Gaussian NLL, and each trend variant) and up to the addon's compositeLossMaxHorizons
 * (64). Anything else (no addon, native kernels off, another backend, another registered loss)
 * takes compositeLoss, which stays the definition the op is tested against.
 */
import * as tf from '@tensorflow/tfjs';

import { kernelOutput } from '../native/kernel-output.js';
import { tryNativeAddon } from '../native/addon.js';
import { float32Data as f32 } from '../native/tensor-data.js';
import { nativeKernelsEnabled } from '../models/native-kernels.js';
import { activeNtpBackend, type CompositeLossSettings, NTP_COMPOSITE_LOSS } from '../runtime/ntp-backend/index.js';
import { compositeLoss, type CompositeLossOptions, DEFAULT_TERM_LOSSES, resolveComposite } from './composite.js';
import { assertInUnitInterval, assertNonNegative, assertPositive } from './options.js';
import { HEADS, type LossTargets, lossHeads, type ModelOutputs } from './inputs.js';
import { HUBER_DELTA } from './huber.js';
import type { LossParams } from './registry.js';

declare module '../native/types.js' {
  interface NativeAddon {
    /** The most horizons the op holds (native/core/nn/composite_loss.h's kMaxLossHorizons). */
    compositeLossMaxHorizons: number;
    compositeLoss(o: CompositeLossSettings & { heads: Float32Array; y: Float32Array; d: Float32Array;
      out: { total: Float32Array; terms: Float32Array; grad: Float32Array } }): void;
  }
}

type TrendParts = Pick<CompositeLossSettings, 'trendLocal' | 'trendGlobal' | 'trendAgreement' | 'trendDelta'>;

/** Each trend loss of the registry as the op's parts (registry.ts: extended's local and global keep Huber's default delta). */
const FUSED_TREND = new Map<string, (p: LossParams) => TrendParts>([
  ['trend_local', (p) => ({ trendLocal: true, trendGlobal: false, trendAgreement: false, trendDelta: p.huberDelta })],
  ['trend_global', (p) => ({ trendLocal: false, trendGlobal: true, trendAgreement: false, trendDelta: p.huberDelta })],
  ['trend_extended', () => ({ trendLocal: true, trendGlobal: true, trendAgreement: true, trendDelta: HUBER_DELTA })],
]);

/**
 * The op's settings for these options and sizes, or null when the op does not compute that loss
 * (another registered loss, no addon or more horizons than it holds, or a focal alpha per horizon
 * of the wrong length, which compositeLoss then reports). Throws like the losses on a parameter
 * out of range.
 */
export function fusedLossSettings(options: CompositeLossOptions, batch: number, horizons: number): CompositeLossSettings | null {
  const { weights, names, horizonWeights, params } = resolveComposite(options, horizons);
  const trend = FUSED_TREND.get(names.trend)?.(params);
  // The per-horizon terms (one per head) only with their default losses.
  const perHorizon = HEADS.every((term) => names[term] === DEFAULT_TERM_LOSSES[term]);
  const { focalAlpha: alpha, focalGamma: gamma, huberDelta, trendTau: tau } = params;
  const alphas = typeof alpha === 'number' ? new Array<number>(horizons).fill(alpha) : [...alpha];
  const maxHorizons = tryNativeAddon()?.compositeLossMaxHorizons ?? 0;
  if (!trend || !perHorizon || batch < 1 || horizons < 1 || horizons > maxHorizons || alphas.length !== horizons) return null;
  // The losses' own checks, in the order compositeLoss meets them (price, direction, trend).
  assertPositive('delta', huberDelta);
  alphas.forEach((a, h) => assertInUnitInterval(typeof alpha === 'number' ? 'alpha' : `alpha[${h}]`, a));
  assertNonNegative('gamma', gamma);
  if (trend.trendAgreement) assertPositive('tau', tau);
  return {
    batch, horizons,
    weights: Float32Array.from([weights.price, weights.direction, weights.variance, weights.trend]),
    horizonWeights: Float32Array.from(horizonWeights), alpha: Float32Array.from(alphas),
    priceDelta: huberDelta, gamma, tau, ...trend,
  };
}

/** Where the op runs now: the ntp backend's kernel, the addon on cpu tensors, or nowhere. */
function fusedRoute(): 'ntp' | 'cpu' | null {
  if (activeNtpBackend()) return 'ntp';
  return nativeKernelsEnabled() && tryNativeAddon() ? 'cpu' : null;
}

/**
 * The op itself, no gradient recorded: heads [B, 3H] (price, direction, variance columns by
 * horizon), y and d [B, H] float32 -> total [], terms [4] (price, direction, variance, trend, as
 * compositeLoss's terms) and grad [B, 3H] = d total / d heads. Throws where no route runs it.
 */
export function fusedCompositeLoss(heads: tf.Tensor2D, y: tf.Tensor2D, d: tf.Tensor2D, settings: CompositeLossSettings) {
  const route = fusedRoute();
  if (route === 'ntp') {
    const [total, terms, grad] = tf.engine().runKernel(NTP_COMPOSITE_LOSS, { heads, y, d }, settings as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return { total: total as tf.Scalar, terms: terms as tf.Tensor1D, grad: grad as tf.Tensor2D };
  }
  const addon = route === 'cpu' ? tryNativeAddon() : null;
  if (!addon) throw new Error('fusedCompositeLoss: needs the ntp backend or the cpu backend with the native kernels on');
  const out = { total: kernelOutput(1), terms: kernelOutput(4), grad: kernelOutput(heads.size) };
  addon.compositeLoss({ ...settings, heads: f32(heads, 'compositeLoss'), y: f32(y, 'compositeLoss'), d: f32(d, 'compositeLoss'), out });
  return { total: tf.scalar(out.total[0]), terms: tf.tensor1d(out.terms), grad: tf.tensor2d(out.grad, heads.shape) };
}

/**
 * compositeLoss(outputs, targets, options).total, with its gradient, through the fused op where
 * it applies (see the header); inputs are checked as compositeLoss checks them.
 */
export function compositeTotal(outputs: ModelOutputs, targets: LossTargets, options: CompositeLossOptions = {}): tf.Scalar {
  if (!fusedRoute()) return tf.tidy(() => compositeLoss(outputs, targets, options).total);
  const { batch, horizons, heads } = lossHeads(outputs, targets, options);
  const settings = fusedLossSettings(options, batch, horizons);
  if (!settings) return tf.tidy(() => compositeLoss(outputs, targets, { ...options, checkInputs: false }).total);
  return tf.tidy(() => {
    const columns = HEADS.flatMap((head) => heads[head].map((t) => (t.rank === 1 ? tf.reshape(t, [batch, 1]) : t)));
    const float = (t: tf.Tensor) => (t.dtype === 'float32' ? t : tf.cast(t, 'float32')) as tf.Tensor2D;
    const [y, d] = [float(targets.y), float(targets.d)];
    const op = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
      const { total, terms, grad } = fusedCompositeLoss(x, y, d, settings);
      terms.dispose();
      save([grad]);
      return { value: total, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(saved[0], dy) };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return op(tf.concat(columns, 1)) as tf.Scalar;
  });
}
