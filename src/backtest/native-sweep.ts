/**
 * A sweep on the native engine, window by window: the grid is packed once, then each `run` is
 * one native call over a contiguous window of paths ((s * R + r) * P + p). The addon runs the
 * window's launch plan (native/core/backtest/sweep_plan.h: launches of up to 2^18 paths on CUDA, each
 * symbol uploaded once per call, results placed in path order) and raises a progress counter as
 * launches finish, read here on a timer while the call runs.
 */
import { nativeAddon } from '../native/addon.js';
import type { NativeDevice } from '../native/types.js';
import { METRIC_NAMES } from './metrics.js';
import { packGrid, type NativeBacktestOptions, type NativeBacktestRequest, type PackedGrid } from './native.js';

type NativeSweepOptions = PackedGrid['inputs'] & {
  pathBegin: number;
  pathEnd: number;
  launchPaths?: number;
  devices?: number;
  progress: Int32Array;
  out: NativeBacktestOptions['out'];
  device: NativeDevice;
};

declare module '../native/types.js' {
  interface NativeAddon {
    backtestSweep(o: NativeSweepOptions): 'cpu' | 'cuda';
    backtestSweepAsync(o: NativeSweepOptions): Promise<'cpu' | 'cuda'>;
  }
}

export interface NativeSweepRequest extends Pick<NativeBacktestRequest, 'symbols' | 'params' | 'rules'> {
  device?: NativeDevice;
  /** GPUs a CUDA sweep splits its launches over; 0 or absent: every usable one. */
  devices?: number;
  /** Threads per launch (default: 2^18 on CUDA, 2^14 on the CPU). */
  launchPaths?: number;
}

export interface NativeSweepWindow {
  device: 'cpu' | 'cuda';
  begin: number;
  end: number;
  /** [end - begin, METRIC_NAMES.length]: path begin + i at row i. */
  metrics: Float64Array;
}

/** How often a running window's progress counter is read, ms. */
const PROGRESS_EVERY_MS = 250;

export class NativeSweep {
  readonly shape: PackedGrid['shape'];
  readonly paths: number;
  private readonly inputs: PackedGrid['inputs'];

  constructor(private readonly req: NativeSweepRequest) {
    const packed = packGrid(req);
    this.inputs = packed.inputs;
    this.shape = packed.shape;
    this.paths = this.shape.symbols * this.shape.rules * this.shape.params;
  }

  /** Runs paths [begin, end) off the JS thread; `onProgress` gets the window's paths done while it runs. */
  async run(begin: number, end: number, onProgress?: (done: number) => void): Promise<NativeSweepWindow> {
    const progress = new Int32Array(1);
    const metrics = new Float64Array((end - begin) * METRIC_NAMES.length);
    const timer = onProgress ? setInterval(() => onProgress(Atomics.load(progress, 0)), PROGRESS_EVERY_MS) : undefined;
    try {
      const device = await nativeAddon().backtestSweepAsync({
        ...this.inputs, pathBegin: begin, pathEnd: end, progress, out: { metrics }, device: this.req.device ?? 'auto',
        ...(this.req.devices !== undefined ? { devices: this.req.devices } : {}),
        ...(this.req.launchPaths !== undefined ? { launchPaths: this.req.launchPaths } : {}),
      });
      return { device, begin, end, metrics };
    } finally {
      clearInterval(timer);
    }
  }
}
