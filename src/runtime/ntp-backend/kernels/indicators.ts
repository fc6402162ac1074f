/**
 * The learnable indicators as two kernels of the `ntp` backend (native/binding/
 * tensor_indicator_binding.cc: core/indicator_layers on the host, cuda/recurrence.cu on a GPU).
 * `NtpIndicator` maps close [B, T] and one kind's periods [K] to the features at the last step
 * [B, K]; `NtpIndicatorGrad` is its analytic gradient, [dclose [B, T], dperiods [K]]. They replace
 * the recurrences' tfjs ops (a few per time step): indicators/ops.ts dispatches to them whenever
 * ntp is the active backend. The caller checks the periods' domain, or vouches for it (on a GPU
 * they stay there); a momentum lag outside it is clamped in the kernel, never read out of its row.
 */
import * as tf from '@tensorflow/tfjs';

import { float32Inputs, type NtpKernel } from './kernel.js';

export const NTP_INDICATOR = 'NtpIndicator';
export const NTP_INDICATOR_GRAD = 'NtpIndicatorGrad';

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
];
