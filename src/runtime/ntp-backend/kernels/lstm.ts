/**
 * The LSTM as two kernels of the `ntp` backend (native/binding/tensor_lstm_binding.cc: core/lstm on
 * the host, cuda/lstm.cu on a GPU). `NtpLstm` runs a whole sequence forward and returns h [B, T, U]
 * in processing order with the activated gates [B, T, 4U] and cell states [B, T, U] its gradient
 * reads; `NtpLstmGrad` is that gradient (BPTT). Together they replace ~20 small kernels per time
 * step: models/fused-lstm.ts dispatches to them whenever ntp is the active backend.
 */
import * as tf from '@tensorflow/tfjs';

import type { NtpBackend } from '../backend.js';
import { float32Inputs, type NtpKernel } from './kernel.js';

export const NTP_LSTM = 'NtpLstm';
export const NTP_LSTM_GRAD = 'NtpLstmGrad';

interface LstmShape { batch: number; steps: number; features: number; units: number; goBackwards: boolean }

declare module '../../../native/types.js' {
  interface NativeAddon {
    tensorLstmForward(o: LstmShape & { x: number; kernel: number; recurrentKernel: number; bias: number; h: number; gates: number; cells: number }): void;
    tensorLstmBackward(o: LstmShape & { x: number; kernel: number; recurrentKernel: number; h: number; gates: number; cells: number; dh: number;
      dx: number; dKernel: number; dRecurrentKernel: number; dBias: number }): void;
  }
}

function lstmShape(inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>): LstmShape {
  float32Inputs(NTP_LSTM, inputs);
  const [batch, steps, features] = inputs.x.shape;
  return { batch, steps, features, units: inputs.kernel.shape[1] / 4, goBackwards: Boolean(attrs.goBackwards) };
}

function outputs(b: NtpBackend, shapes: number[][]): tf.TensorInfo[] {
  return shapes.map((shape) => b.makeOutput(shape, 'float32'));
}

export const lstmKernels: NtpKernel[] = [
  [NTP_LSTM, ({ inputs, backend: b, attrs }) => {
    const s = lstmShape(inputs, attrs);
    const { batch: B, steps: T, units: U } = s;
    const [h, gates, cells] = outputs(b, [[B, T, U], [B, T, 4 * U], [B, T, U]]);
    b.addon.tensorLstmForward({ ...s, x: b.handle(inputs.x), kernel: b.handle(inputs.kernel), recurrentKernel: b.handle(inputs.recurrentKernel),
      bias: b.handle(inputs.bias), h: b.handle(h), gates: b.handle(gates), cells: b.handle(cells) });
    return [h, gates, cells];
  }],
  [NTP_LSTM_GRAD, ({ inputs, backend: b, attrs }) => {
    const s = lstmShape(inputs, attrs);
    const { batch: B, steps: T, features: F, units: U } = s;
    const [dx, dKernel, dRecurrentKernel, dBias] = outputs(b, [[B, T, F], [F, 4 * U], [U, 4 * U], [4 * U]]);
    const h = (name: string) => b.handle(inputs[name]);
    b.addon.tensorLstmBackward({ ...s, x: h('x'), kernel: h('kernel'), recurrentKernel: h('recurrentKernel'), h: h('h'), gates: h('gates'),
      cells: h('cells'), dh: h('dh'), dx: b.handle(dx), dKernel: b.handle(dKernel), dRecurrentKernel: b.handle(dRecurrentKernel), dBias: b.handle(dBias) });
    return [dx, dKernel, dRecurrentKernel, dBias];
  }],
];
