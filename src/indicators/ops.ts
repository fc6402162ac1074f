/**
 * The learnable indicators as tfjs ops (SPEC §5): close channel [B, T] and periods [K] ->
 * features at the last step [B, K], differentiable with respect to both.
 *
 * Two implementations with one semantics:
 *  - `native`: the addon's kernels (native/core/indicators/indicator_layers.h) under `tf.customGrad`, with
 *    their analytic backward pass. Runs on the `cpu` backend, where tensor data is a plain
 *    Float32Array: inputs are read with dataSync() (no copy) and outputs are wrapped without a
 *    copy. float64 accumulation inside (see native/core/indicators/recurrence.h for the error budget).
 *  - `tfjs`: the same recurrences written with ordinary tfjs ops (a loop over time, vectorised
 *    over batch and periods) and differentiated by tfjs autodiff; used when the addon is absent
 *    or the backend is not `cpu` (tfjs-node keeps tensors in libtensorflow). float32 throughout.
 * `auto` picks native when it can, and the `ntp` backend's own kernels (the same C++ math) on that
 * backend. All share the exact formulas below, including the
 * Bollinger shift by the last close, relu'(0) = 0 in RSI, sigma' = 0 at sigma = 0, and the
 * momentum lag's right derivative at integers (floor has zero gradient).
 */
import * as tf from '@tensorflow/tfjs';

import { indicatorAddon, type IndicatorKind } from './native.js';
import { float32Data as float32Of } from '../native/tensor-data.js';
import { saveForGradient } from '../runtime/gradient-mode.js';
import { activeNtpBackend, NTP_INDICATOR, NTP_INDICATOR_GRAD, NTP_PERIODS, NTP_PERIODS_GRAD } from '../runtime/ntp-backend/index.js';

export type { IndicatorKind } from './native.js';
export const INDICATOR_KINDS: readonly IndicatorKind[] = ['ma', 'macd', 'rsi', 'bollinger', 'momentum'];

export const RSI_EPSILON = 1e-8;
export const BOLLINGER_EPSILON = 1e-8;

/** Periods per output group: MACD reads (fast, slow, signal) triples, the others one period. */
export function groupWidth(kind: IndicatorKind): number {
  return kind === 'macd' ? 3 : 1;
}

export type IndicatorImplementation = 'auto' | 'native' | 'tfjs';
const IMPLEMENTATIONS: readonly IndicatorImplementation[] = ['auto', 'native', 'tfjs'];
let defaultImplementation: IndicatorImplementation = 'auto';

/** Process-wide default used by the layers (benchmarks and tests switch it). */
export function setIndicatorImplementation(impl: IndicatorImplementation): void {
  if (!IMPLEMENTATIONS.includes(impl)) {
    throw new RangeError(`indicator implementation must be one of ${IMPLEMENTATIONS.join(', ')} (got ${JSON.stringify(impl)})`);
  }
  defaultImplementation = impl;
}

export function getIndicatorImplementation(): IndicatorImplementation {
  return defaultImplementation;
}

/** Whether `native` can run right now: addon loaded and the active tfjs backend is `cpu`. */
export function nativeIndicatorsUsable(): boolean {
  return indicatorAddon() !== null && tf.getBackend() === 'cpu';
}

/**
 * Which implementation `impl` resolves to now; `native` when it cannot run is an error. On the
 * `ntp` backend `auto` is that backend's own indicator kernels (kernels/indicators.ts).
 */
export function resolveImplementation(impl: IndicatorImplementation = defaultImplementation): 'native' | 'tfjs' | 'ntp' {
  if (!IMPLEMENTATIONS.includes(impl)) {
    throw new RangeError(`indicator implementation must be one of ${IMPLEMENTATIONS.join(', ')} (got ${JSON.stringify(impl)})`);
  }
  if (impl === 'tfjs') return 'tfjs';
  if (impl === 'auto' && activeNtpBackend()) return 'ntp';
  if (nativeIndicatorsUsable()) return 'native';
  if (impl === 'native') {
    const why = indicatorAddon() === null ? 'the native addon (with indicator kernels) is not loaded'
      : `the tfjs backend is "${tf.getBackend()}", not "cpu"`;
    throw new Error(`indicator implementation "native" requested but ${why}`);
  }
  return 'tfjs';
}

function checkShapes(kind: IndicatorKind, close: tf.Tensor, periods: tf.Tensor): [number, number, number] {
  if (!INDICATOR_KINDS.includes(kind)) {
    throw new RangeError(`indicator kind must be one of ${INDICATOR_KINDS.join(', ')} (got ${JSON.stringify(kind)})`);
  }
  if (close.rank !== 2) throw new RangeError(`${kind}: close must be [batch, time] (got shape [${close.shape.join(', ')}])`);
  if (periods.rank !== 1) throw new RangeError(`${kind}: periods must be [K] (got shape [${periods.shape.join(', ')}])`);
  const [B, T] = close.shape as [number, number];
  const K = periods.shape[0] as number;
  const w = groupWidth(kind);
  if (K < 1 || K % w !== 0) throw new RangeError(`${kind}: periods must hold a positive multiple of ${w} values (got ${K})`);
  const minT = kind === 'momentum' ? 3 : 2;
  if (T < minT) throw new RangeError(`${kind}: close needs time >= ${minT} (got ${T})`);
  return [B, T, K];
}

/** The kernels' domain starts here for every kind (momentum's lags also stop at T-2). */
export const PERIOD_DOMAIN_MIN = 1;

/** The domain check the native kernel applies, repeated for the tfjs path (same errors). */
function checkPeriodValues(kind: IndicatorKind, values: ArrayLike<number>, T: number): void {
  for (let k = 0; k < values.length; k++) {
    const p = values[k];
    const ok = kind === 'momentum' ? p >= PERIOD_DOMAIN_MIN && p <= T - 2 : Number.isFinite(p) && p >= PERIOD_DOMAIN_MIN;
    if (!ok) {
      const lo = PERIOD_DOMAIN_MIN;
      throw new RangeError(`${kind}: periods[${k}] = ${p} is outside ${kind === 'momentum' ? `[${lo}, time-2] = [${lo}, ${T - 2}]` : `[${lo}, inf)`}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// native

const float32Data = (t: tf.Tensor): Float32Array => float32Of(t, 'learnable indicators');

const nativeOps = new Map<IndicatorKind, (close: tf.Tensor, periods: tf.Tensor) => tf.Tensor2D>();

function nativeOp(kind: IndicatorKind): (close: tf.Tensor, periods: tf.Tensor) => tf.Tensor2D {
  let op = nativeOps.get(kind);
  if (op) return op;
  op = tf.customGrad(((close: tf.Tensor, periods: tf.Tensor, save: tf.GradSaveFunc) => {
    const addon = indicatorAddon();
    if (!addon) throw new Error(`${kind}: the native addon is not loaded`);
    const [B, T] = close.shape as [number, number];
    const K = periods.shape[0] as number;
    const c = float32Data(close), p = float32Data(periods);
    const out = new Float32Array(B * K);
    addon.indicatorForward({ kind, close: c, batch: B, time: T, periods: p, out, device: 'cpu' });
    save([close, periods]);
    return {
      value: tf.tensor2d(out, [B, K]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sc, sp] = saved;
        const gradClose = new Float32Array(B * T), gradPeriods = new Float32Array(K);
        addon.indicatorBackward({
          kind, close: float32Data(sc), batch: B, time: T, periods: float32Data(sp),
          gradOut: float32Data(dy), gradClose, gradPeriods, device: 'cpu',
        });
        return [tf.tensor2d(gradClose, [B, T]), tf.tensor1d(gradPeriods)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (c: tf.Tensor, p: tf.Tensor) => tf.Tensor2D;
  nativeOps.set(kind, op);
  return op;
}

/**
 * One kind on the ntp backend: NtpIndicator forward, NtpIndicatorGrad backward, on its device.
 * The periods' domain is checked here (on a GPU the kernel cannot: they stay there), which reads
 * them back, unless the caller vouches for it (`inDomain`: a layer's periods, clipped into a range
 * inside the domain). Out-of-domain periods are still memory-safe there (FractionalLag clamps).
 */
function indicatorOpNtp(kind: IndicatorKind, close: tf.Tensor, periods: tf.Tensor, inDomain = false): tf.Tensor2D {
  const [, T] = checkShapes(kind, close, periods);
  const c = close.dtype === 'float32' ? close : tf.cast(close, 'float32');
  const p = periods.dtype === 'float32' ? periods : tf.cast(periods, 'float32');
  if (!inDomain) checkPeriodValues(kind, p.dataSync(), T);
  const attrs = { kind } as unknown as tf.NamedAttrMap;
  const op = tf.customGrad(((ci: tf.Tensor, pi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([ci, pi]);
    return {
      value: tf.engine().runKernel(NTP_INDICATOR, { close: ci, periods: pi }, attrs) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, [sc, sp]: tf.Tensor[]) =>
        tf.engine().runKernel(NTP_INDICATOR_GRAD, { close: sc, periods: sp, dy }, attrs) as tf.Tensor[],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (c: tf.Tensor, p: tf.Tensor) => tf.Tensor2D;
  return op(c, p);
}

/**
 * A learnable layer's periods on the ntp backend, clip(exp(weight * scale), min, max) (scale 0:
 * clip(weight, min, max)): NtpPeriods forward, NtpPeriodsGrad backward, one kernel each where the
 * tfjs ops and their gradients take ~18 per layer and step, with the same values and gradients.
 */
export function periodsOnNtp(weight: tf.Tensor, scale: number, min: number, max: number): tf.Tensor {
  const attrs = { scale, min, max } as unknown as tf.NamedAttrMap;
  const op = tf.customGrad(((w: tf.Tensor, save: tf.GradSaveFunc) => {
    const restore = saveForGradient(save, [w]);
    return {
      value: tf.engine().runKernel(NTP_PERIODS, { w }, attrs) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(NTP_PERIODS_GRAD, { w: restore(saved)[0], dy }, attrs) as tf.Tensor,
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (w: tf.Tensor) => tf.Tensor;
  return op(weight);
}

/** The native implementation (throws when it cannot run; see resolveImplementation). */
export function indicatorOpNative(kind: IndicatorKind, close: tf.Tensor, periods: tf.Tensor): tf.Tensor2D {
  resolveImplementation('native');
  const [, T] = checkShapes(kind, close, periods);
  const c = close.dtype === 'float32' ? close : tf.cast(close, 'float32');
  const p = periods.dtype === 'float32' ? periods : tf.cast(periods, 'float32');
  checkPeriodValues(kind, p.dataSync(), T);  // the kernel checks too; this names the layer kind
  return nativeOp(kind)(c, p);
}

// ---------------------------------------------------------------------------------------------
// tfjs ops (autodiff)

const emaCoefficient = (p: tf.Tensor) => tf.div(2, tf.add(p, 1));
const wilderCoefficient = (p: tf.Tensor) => tf.div(1, p);

/** y_0 = x_0, y_t = a x_t + (1-a) y_{t-1} written as y + a (x - y); cols[t]: [B, 1], a: [1, K]. */
function recurrenceSeries(cols: tf.Tensor[], a: tf.Tensor): tf.Tensor[] {
  const ys: tf.Tensor[] = [tf.add(cols[0], tf.zerosLike(a))];
  for (let t = 1; t < cols.length; t++) {
    const y = ys[t - 1];
    ys.push(tf.add(y, tf.mul(a, tf.sub(cols[t], y))));
  }
  return ys;
}

function recurrenceLast(cols: tf.Tensor[], a: tf.Tensor): tf.Tensor {
  let y = tf.add(cols[0], tf.zerosLike(a));
  for (let t = 1; t < cols.length; t++) y = tf.add(y, tf.mul(a, tf.sub(cols[t], y)));
  return y;
}

/** The tfjs-ops implementation, differentiable by tfjs autodiff. */
export function indicatorOpTfjs(kind: IndicatorKind, close: tf.Tensor, periods: tf.Tensor): tf.Tensor2D {
  const [B, T, K] = checkShapes(kind, close, periods);
  checkPeriodValues(kind, periods.dataSync(), T);
  return tf.tidy(() => {
    const c = tf.cast(close, 'float32') as tf.Tensor2D;
    const p = tf.cast(periods, 'float32') as tf.Tensor1D;
    const cols = tf.split(c, T, 1);  // T x [B, 1]
    const last = cols[T - 1];
    switch (kind) {
      case 'ma': {
        const y = recurrenceLast(cols, tf.reshape(emaCoefficient(p), [1, K]));
        return tf.sub(tf.div(y, last), 1) as tf.Tensor2D;
      }
      case 'macd': {
        const G = K / 3;
        const [pf, ps, pg] = tf.split(tf.reshape(p, [G, 3]), 3, 1).map((x) => tf.reshape(x, [1, G]));
        const ef = recurrenceSeries(cols, emaCoefficient(pf));
        const es = recurrenceSeries(cols, emaCoefficient(ps));
        const macd = ef.map((f, t) => tf.sub(f, es[t]));
        const signal = recurrenceLast(macd, emaCoefficient(pg));
        const m = macd[T - 1];
        return tf.reshape(tf.stack([m, signal, tf.sub(m, signal)], 2), [B, K]) as tf.Tensor2D;
      }
      case 'rsi': {
        const a = tf.reshape(wilderCoefficient(p), [1, K]);
        const diffs = cols.slice(1).map((x, j) => tf.sub(x, cols[j]));
        const G = recurrenceLast(diffs.map((d) => tf.relu(d)), a);
        const L = recurrenceLast(diffs.map((d) => tf.relu(tf.neg(d))), a);
        return tf.sub(tf.div(G, tf.add(tf.add(G, L), RSI_EPSILON)), 0.5) as tf.Tensor2D;
      }
      case 'bollinger': {
        // Shift by the last close before squaring: the variance is shift invariant (EMA weights
        // sum to 1) and float32 would otherwise cancel ema(c^2) - ema(c)^2 on closes near 1.
        const a = tf.reshape(emaCoefficient(p), [1, K]);
        const u = cols.map((x) => tf.sub(x, last));
        const mu = recurrenceLast(u, a);
        const q = recurrenceLast(u.map((x) => tf.square(x)), a);
        const variance = tf.sub(q, tf.square(mu));
        // sigma = sqrt(variance) where positive, else 0 with gradient 0 (not NaN): step() is
        // differentiable (zero gradient), unlike a boolean mask fed to where().
        const positive = tf.step(variance);
        const safe = tf.add(tf.mul(variance, positive), tf.sub(1, positive));
        const sigma = tf.mul(positive, tf.sqrt(safe));
        return tf.div(tf.sub(u[T - 1], mu), tf.add(tf.mul(sigma, 2), BOLLINGER_EPSILON)) as tf.Tensor2D;
      }
      case 'momentum': {
        // n = floor(p) is piecewise constant: d/dp flows through f only (the right derivative at
        // integers, like the kernel). The gather indices are data, read off the tape.
        const whole = Array.from(p.dataSync(), Math.floor);
        const f = tf.reshape(tf.sub(p, tf.tensor1d(whole)), [1, K]);
        const cNear = tf.gather(c, tf.tensor1d(whole.map((n) => T - 1 - n), 'int32'), 1);
        const cFar = tf.gather(c, tf.tensor1d(whole.map((n) => T - 2 - n), 'int32'), 1);
        const den = tf.add(tf.mul(tf.sub(1, f), cNear), tf.mul(f, cFar));
        return tf.sub(tf.div(last, den), 1) as tf.Tensor2D;
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// several indicators side by side (LearnableIndicators)

export interface IndicatorPart {
  kind: IndicatorKind;
  periods: tf.Tensor;
  /** The caller guarantees the periods are inside the kernel's domain (see indicatorOpNtp). */
  inDomain?: boolean;
}

/**
 * concat([indicator(part.kind, close, part.periods) for part in parts], axis 1): [B, sum K].
 * The native path is one custom op over all the kernels: its output and gradient are split
 * and joined in plain loops here, instead of tfjs concat (whose gradient is one strided slice
 * per part, slow on the cpu backend) and one [B, T] gradient add per part.
 */
export function indicatorsConcatOp(parts: readonly IndicatorPart[], close: tf.Tensor,
  impl: IndicatorImplementation = defaultImplementation): tf.Tensor2D {
  if (parts.length === 0) throw new RangeError('indicatorsConcatOp: parts must not be empty');
  const resolved = resolveImplementation(impl);
  if (resolved !== 'native') {
    return tf.tidy(() => tf.concat(parts.map((p) => (resolved === 'ntp' ? indicatorOpNtp(p.kind, close, p.periods, p.inDomain)
      : indicatorOpTfjs(p.kind, close, p.periods))), 1) as tf.Tensor2D);
  }
  const addon = indicatorAddon()!;
  const kinds = parts.map((p) => p.kind);
  let T = 0;
  for (const p of parts) [, T] = checkShapes(p.kind, close, p.periods);
  parts.forEach((p) => checkPeriodValues(p.kind, p.periods.dataSync(), T));
  const c32 = close.dtype === 'float32' ? close : tf.cast(close, 'float32');
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [c, ...ps] = args as tf.Tensor[];
    const [B] = c.shape as [number, number];
    const Ks = ps.map((p) => p.shape[0] as number);
    const width = Ks.reduce((a, b) => a + b, 0);
    const cData = float32Data(c);
    const out = new Float32Array(B * width);
    let offset = 0;
    ps.forEach((p, i) => {
      const K = Ks[i];
      const part = new Float32Array(B * K);
      addon.indicatorForward({ kind: kinds[i], close: cData, batch: B, time: T, periods: float32Data(p), out: part, device: 'cpu' });
      for (let r = 0; r < B; r++) for (let k = 0; k < K; k++) out[r * width + offset + k] = part[r * K + k];
      offset += K;
    });
    save([c, ...ps]);
    return {
      value: tf.tensor2d(out, [B, width]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sc, ...sp] = saved;
        const go = float32Data(dy), cs = float32Data(sc);
        const gradClose = new Float32Array(B * T), partClose = new Float32Array(B * T);
        const gradPeriods: tf.Tensor[] = [];
        let off = 0;
        sp.forEach((p, i) => {
          const K = Ks[i];
          const gradOut = new Float32Array(B * K);
          for (let r = 0; r < B; r++) for (let k = 0; k < K; k++) gradOut[r * K + k] = go[r * width + off + k];
          const gp = new Float32Array(K);
          addon.indicatorBackward({ kind: kinds[i], close: cs, batch: B, time: T, periods: float32Data(p), gradOut, gradClose: partClose, gradPeriods: gp, device: 'cpu' });
          for (let j = 0; j < gradClose.length; j++) gradClose[j] += partClose[j];
          gradPeriods.push(tf.tensor1d(gp));
          off += K;
        });
        return [tf.tensor2d(gradClose, [B, T]), ...gradPeriods];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...xs: tf.Tensor[]) => tf.Tensor2D;
  return op(c32, ...parts.map((p) => (p.periods.dtype === 'float32' ? p.periods : tf.cast(p.periods, 'float32'))));
}

/**
 * features = indicator(close [B, T], periods [K]) -> [B, K] at the last step, through the
 * implementation `impl` resolves to (default: the process-wide setting, initially `auto`).
 */
export function indicatorOp(kind: IndicatorKind, close: tf.Tensor, periods: tf.Tensor,
  impl: IndicatorImplementation = defaultImplementation, options: { inDomain?: boolean } = {}): tf.Tensor2D {
  const resolved = resolveImplementation(impl);
  if (resolved === 'native') return indicatorOpNative(kind, close, periods);
  return resolved === 'ntp' ? indicatorOpNtp(kind, close, periods, options.inDomain) : indicatorOpTfjs(kind, close, periods);
}
