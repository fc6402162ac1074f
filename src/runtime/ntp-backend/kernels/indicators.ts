/**
 * The learnable indicators as two kernels of the `ntp` backend (native/binding/
 * tensor_indicator_binding.cc: core/indicator_layers on the host, cuda/recurrence.cu on a GPU).
 * `NtpIndicator` maps close [B, T] and one kind's periods [K] to the features at the last step
 * [B, K]; `NtpIndicatorGrad` is its analytic gradient, [dclose [B, T], dperiods [K]]. They replace
 * the recurrences' tfjs ops (a few per time step): indicators/ops.ts dispatches to them whenever
 * ntp is the active backend. The caller checks the periods' domain, or vouches for it (on a GPU
 * they stay there); a momentum lag outside it is clamped in the kernel, never read out of its row.
 *
 * `NtpPeriods` forms a layer's periods from its weight w, clip(exp(w * scale), min, max) (scale 0:
 * clip(w, min, max)), and `NtpPeriodsGrad` is its gradient: one tfjs dispatch each (a dozen addon
 * calls inside) for what tfjs's Multiply, Exp and ClipByValue and their gradients take ~18
 * dispatches (with the tape's copies), with the same element ops in the same order, so the same bits.
 */
import * as tf from '@tensorflow/tfjs';

import type { NtpBackend } from '../backend.js';
import { binary, fill, select, unary } from '../device-ops.js';
import { float32Inputs, type NtpKernel } from './kernel.js';

export const NTP_INDICATOR = 'NtpIndicator';
export const NTP_INDICATOR_GRAD = 'NtpIndicatorGrad';
export const NTP_PERIODS = 'NtpPeriods';
export const NTP_PERIODS_GRAD = 'NtpPeriodsGrad';

/** NtpPeriods' attributes: the weight's log scale (0: the weight holds the periods) and the period range. */
interface PeriodsAttrs { scale: number; min: number; max: number }

function periodsAttrs(name: string, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>): PeriodsAttrs {
  float32Inputs(name, inputs);
  const a = { scale: Number(attrs.scale ?? 0), min: Number(attrs.min), max: Number(attrs.max) };
  if (!(Number.isFinite(a.scale) && a.scale >= 0 && a.min <= a.max)) {
    throw new RangeError(`ntp backend: ${name} needs a scale >= 0 and min <= max (got ${a.scale}, ${a.min}, ${a.max})`);
  }
  return a;
}

/** The unclipped periods: exp(w * scale), or w itself for scale 0 (then not to be disposed). */
function unclipped(b: NtpBackend, w: tf.TensorInfo, scale: number): tf.TensorInfo {
  if (scale === 0) return w;
  const s = fill(b, [], 'float32', scale);
  const ws = binary(b, w, s, 'mul', 'float32');
  const u = unary(b, ws, 'exp');
  [s, ws].forEach((t) => b.disposeIntermediate(t));
  return u;
}

interface IndicatorShape { kind: string; batch: number; time: number; periodCount: number }

declare module '../../../native/types.js' {
  interface NativeAddon {
    tensorIndicatorForward(o: IndicatorShape & { close: number; periods: number; out: number }): void;
    tensorIndicatorBackward(o: IndicatorShape & { close: number; periods: number; gradOut: number; gradClose: number; gradPeriods: number }): void;
  }
}

function indicatorShape(inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>): IndicatorShape {
  float32Inputs(NTP_INDICATOR, inputs);
  const [batch, time] = inputs.close.shape;
  return { kind: String(attrs.kind), batch, time, periodCount: inputs.periods.shape[0] };
}

export const indicatorKernels: NtpKernel[] = [
  [NTP_INDICATOR, ({ inputs, backend: b, attrs }) => {
    const s = indicatorShape(inputs, attrs);
    const out = b.makeOutput([s.batch, s.periodCount], 'float32');
    b.addon.tensorIndicatorForward({ ...s, close: b.handle(inputs.close), periods: b.handle(inputs.periods), out: b.handle(out) });
    return out;
  }],
  [NTP_INDICATOR_GRAD, ({ inputs, backend: b, attrs }) => {
    const s = indicatorShape(inputs, attrs);
    const gradClose = b.makeOutput([s.batch, s.time], 'float32'), gradPeriods = b.makeOutput([s.periodCount], 'float32');
    b.addon.tensorIndicatorBackward({ ...s, close: b.handle(inputs.close), periods: b.handle(inputs.periods), gradOut: b.handle(inputs.dy),
      gradClose: b.handle(gradClose), gradPeriods: b.handle(gradPeriods) });
    return [gradClose, gradPeriods];
  }],
  [NTP_PERIODS, ({ inputs, backend: b, attrs }) => {
    const a = periodsAttrs(NTP_PERIODS, inputs, attrs);
    const u = unclipped(b, inputs.w, a.scale);
    const p = unary(b, u, 'clip', 'float32', a.min, a.max);
    if (u !== inputs.w) b.disposeIntermediate(u);
    return p;
  }],
  // dw = (dp where min <= u <= max, else 0) * u * scale (the chain rule through the clip, exp and multiply).
  [NTP_PERIODS_GRAD, ({ inputs, backend: b, attrs }) => {
    const a = periodsAttrs(NTP_PERIODS_GRAD, inputs, attrs);
    const { w, dy } = inputs;
    if (!tf.util.arraysEqual(w.shape, dy.shape)) throw new RangeError(`ntp backend: ${NTP_PERIODS_GRAD} needs dy of w's shape [${w.shape}] (got [${dy.shape}])`);
    const u = unclipped(b, w, a.scale);
    const [lo, hi, zeros] = [fill(b, [], 'float32', a.min), fill(b, [], 'float32', a.max), fill(b, dy.shape, 'float32', 0)];
    const [above, below] = [binary(b, u, lo, 'greaterEqual', 'bool'), binary(b, u, hi, 'lessEqual', 'bool')];
    const inside = binary(b, above, below, 'logicalAnd', 'bool');
    const dclip = select(b, inside, dy, zeros);
    const temporaries = [lo, hi, zeros, above, below, inside];
    let dw = dclip;
    if (a.scale !== 0) {
      const s = fill(b, [], 'float32', a.scale);
      const dexp = binary(b, dclip, u, 'mul', 'float32');
      dw = binary(b, dexp, s, 'mul', 'float32');
      temporaries.push(s, dexp, dclip, u);
    }
    temporaries.forEach((t) => b.disposeIntermediate(t));
    return dw;
  }],
];
