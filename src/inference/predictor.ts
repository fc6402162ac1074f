/**
 * Predictor (SPEC §8): loads a run directory (model + scaler + resolved config) and predicts
 * for the newest complete window or for every window of a series. Outputs are per horizon and
 * in the units a trader reads: the unscaled log return and the price it implies, P(up), and the
 * variance and sigma of the unscaled return, after the run's output calibration (P(up)
 * temperature and sigma scale, or regime-adaptive sigma, fit on validation; the identity for runs without one). predictBatch streams the series through the native
 * windowing in chunks, so memory stays bounded however long the series is.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { loadConfig, type PipelineConfig } from '../config/index.js';
import { assertCandles, type Candles } from '../data/candles.js';
import { scalerFromJson, type Scaler } from '../data/scaler.js';
import { buildWindowsAsync } from '../data/windowing.js';
import { applyCalibration, calibrationVolatility, loadModel, readCalibration, usesVolatility, type OutputCalibration } from '../models/index.js';
import { runPaths } from '../training/run-dir.js';
import { prepareRuntime } from '../training/runtime.js';
import { committedDir } from '../util/output-set.js';
import { readJsonFile } from '../util/read-json.js';

/** Columnar predictions for n windows; index i is the window ending at bar `ends[i]`. */
export interface Predictions {
  ends: Int32Array;
  /** Bar close at each window end (the price the returns apply to). */
  close: Float64Array;
  horizons: number[];
  /** Per horizon h: predicted unscaled log return ln(c_{t+k}/c_t). */
  predictedReturn: Float64Array[];
  /** Per horizon: close * exp(predictedReturn). */
  predictedPrice: Float64Array[];
  pUp: Float64Array[];
  /** Per horizon: variance of the unscaled return (the variance head times std^2). */
  variance: Float64Array[];
  sigma: Float64Array[];
}

export interface PredictOptions {
  /** Windows per model call (default 1024). */
  chunk?: number;
  /** Called after each chunk with (windows done, total). */
  onProgress?: (done: number, total: number) => void;
}

export class Predictor {
  private constructor(
    readonly runDir: string,
    readonly config: PipelineConfig,
    readonly model: tf.LayersModel,
    readonly scaler: Scaler,
    /** Applied to every prediction; pass it to `evaluate` so metrics read the same outputs. */
    readonly calibration: OutputCalibration,
  ) {}

  /**
   * Loads a run directory; a missing or incompatible part is a clear error naming the file.
   * `runtime` (the invoking command's: device, backend, threads) replaces the run's saved one,
   * which describes the machine it was trained on.
   */
  static async load(dir: string, runtime?: PipelineConfig['runtime']): Promise<Predictor> {
    // Mid-commit (a kill between the two renames of a new run) the old set is read.
    const runDir = committedDir(dir);
    const p = runPaths(runDir);
    for (const [what, path] of [['resolved config', p.config], ['scaler', p.scaler], ['model', join(p.model, 'model.json')]] as const) {
      if (!existsSync(path)) throw new Error(`${runDir} is not a complete run directory: its ${what} (${path}) is missing; train with \`ntp train\` first`);
    }
    const saved = loadConfig(p.config);
    const config = runtime ? { ...saved, runtime } : saved;
    await prepareRuntime(config);
    const scaler = scalerFromJson(readJsonFile(p.scaler));
    const meta = existsSync(p.meta) ? readJsonFile<{ lookback?: number }>(p.meta) : null;
    const model = await loadModel(p.model);
    const [fIn, cIn] = model.inputs;
    const expect = (ok: boolean, msg: string) => { if (!ok) throw new Error(`${runDir}: incompatible parts: ${msg}`); };
    expect(fIn?.shape[1] === scaler.lookback && cIn?.shape[1] === scaler.lookback,
      `the model takes windows of ${fIn?.shape[1]} bars, the scaler was fit for ${scaler.lookback}`);
    expect(fIn.shape[2] === scaler.features.length,
      `the model takes ${fIn.shape[2]} features, the scaler has ${scaler.features.length} (${scaler.features.join(', ')})`);
    expect(model.outputNames.length === 3 * scaler.horizons.length,
      `the model has ${model.outputNames.length} outputs, expected 3 per horizon for ${scaler.horizons.length} horizons`);
    expect(meta?.lookback === undefined || meta.lookback === scaler.lookback,
      `${p.meta} says lookback ${meta?.lookback}, the scaler was fit for ${scaler.lookback}`);
    return new Predictor(runDir, config, model, scaler, readCalibration(p.calibration, scaler.horizons.length));
  }

  get lookback(): number { return this.scaler.lookback; }
  get horizons(): number[] { return [...this.scaler.horizons]; }
  get features(): string[] { return [...this.scaler.features]; }

  /** The prediction for the newest complete window (ending at the last bar). */
  async predict(candles: Candles): Promise<Predictions> {
    const n = this.checkCandles(candles);
    return this.predictEnds(candles, Int32Array.of(n - 1));
  }

  /** Predictions for every window of the series (ends lookback .. length-1). */
  async predictBatch(candles: Candles, options: PredictOptions = {}): Promise<Predictions> {
    const n = this.checkCandles(candles);
    const ends = Int32Array.from({ length: n - this.lookback }, (_, i) => i + this.lookback);
    return this.predictEnds(candles, ends, options);
  }

  /** Predictions for the windows ending at `ends` (each in [lookback, length)). */
  async predictEnds(candles: Candles, ends: Int32Array, options: PredictOptions = {}): Promise<Predictions> {
    const chunk = options.chunk ?? 1024;
    if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`predict: chunk must be an integer >= 1 (got ${chunk})`);
    const H = this.scaler.horizons.length;
    const N = ends.length;
    const out: Predictions = {
      ends: Int32Array.from(ends),
      close: Float64Array.from(ends, (e) => candles.close[e]),
      horizons: this.horizons,
      predictedReturn: alloc(H, N), predictedPrice: alloc(H, N), pUp: alloc(H, N), variance: alloc(H, N), sigma: alloc(H, N),
    };
    const std = this.scaler.targetStd;
    // Per horizon, the windows' realised volatility a regime-adaptive calibration scales sigma by.
    const volatility = this.horizons.map((_, h) => (usesVolatility(this.calibration, h) ? new Float64Array(N) : undefined));
    for (let start = 0; start < N; start += chunk) {
      const sub = ends.subarray(start, Math.min(N, start + chunk));
      const w = await buildWindowsAsync(candles, {
        lookback: this.lookback, features: this.scaler.features, horizons: this.scaler.horizons, scaler: this.scaler, ends: sub,
      });
      const outputs = tf.tidy(() => {
        const x = tf.tensor3d(w.features, [w.n, w.T, w.F]);
        const c = tf.tensor2d(w.close, [w.n, w.T]);
        const y = this.model.predict([x, c], { batchSize: chunk }) as tf.Tensor[];
        return Object.fromEntries(this.model.outputNames.map((name, i) => [name, y[i]]));
      });
      calibrationVolatility(this.calibration, w.close, w.n, w.T).forEach((v, h) => v && volatility[h]!.set(v, start));
      for (let h = 0; h < H; h++) {
        const price = outputs[`price_h${h}`].dataSync();
        const dir = outputs[`direction_h${h}`].dataSync();
        const vr = outputs[`variance_h${h}`].dataSync();
        for (let i = 0; i < w.n; i++) {
          const k = start + i;
          const r = price[i] * std[h];
          out.predictedReturn[h][k] = r;
          out.predictedPrice[h][k] = out.close[k] * Math.exp(r);
          out.pUp[h][k] = dir[i];
          out.variance[h][k] = vr[i] * std[h] * std[h];
        }
      }
      tf.dispose(Object.values(outputs));
      options.onProgress?.(Math.min(N, start + chunk), N);
    }
    for (let h = 0; h < H; h++) {
      applyCalibration(this.calibration, h, out.pUp[h], out.variance[h], volatility[h]);
      out.sigma[h] = out.variance[h].map(Math.sqrt);
    }
    return out;
  }

  dispose(): void {
    this.model.dispose();
  }

  private checkCandles(candles: Candles): number {
    assertCandles(candles, 'predict: candles');
    const n = candles.close.length;
    if (n <= this.lookback) {
      throw new RangeError(`predict: need more than ${this.lookback} bars (the model's lookback; the first window row also reads the bar before it), got ${n}`);
    }
    return n;
  }
}

function alloc(h: number, n: number): Float64Array[] {
  return Array.from({ length: h }, () => new Float64Array(n));
}
