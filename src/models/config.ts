/**
 * Sizes of the hybrid model (SPEC §6). Every field has the SPEC default; `resolveModelConfig`
 * deep-merges a partial config over them and validates it with errors naming the key.
 */
export interface TransformerConfig {
  /** Width of the Dense projection + positional embedding (d_model). */
  dModel: number;
  blocks: number;
  heads: number;
  keyDim: number;
  ffDim: number;
  dropout: number;
}

export interface LstmConfig {
  units: number;
  bidirectional: boolean;
  /** Stacked LSTM layers (all but the last return sequences). */
  layers: number;
  /** Feed the mean of the last layer's outputs over all steps to the heads instead of the last step. */
  returnSequences: boolean;
}

export interface IndicatorBranchConfig {
  /** MLP widths after the 30 learnable indicator features. */
  hidden: number[];
  dropout: number;
  /** Train the 30 indicator periods (false: frozen at their initial values). */
  learnPeriods: boolean;
  /** > 0: periods are learnt as ln(period) / periodLogScale, a learning-rate multiplier in log space; 0: raw periods. */
  periodLogScale: number;
}

export interface TowerConfig {
  hidden: number[];
  dropout: number;
}

export interface ModelConfig {
  /** Lookback T. */
  lookback: number;
  /** Features per bar F. */
  features: number;
  /** Number of horizons (outputs are named h0, h1, ...). */
  horizons: number;
  transformer: TransformerConfig;
  lstm: LstmConfig;
  indicators: IndicatorBranchConfig;
  towers: TowerConfig;
  /** L2 factor on Dense kernels. */
  l2: number;
  /**
   * LSTM implementation: 'fused' (the native FusedLSTM op), 'layers' (tf.layers.lstm), or
   * 'auto' (fused when the native kernels are on, see setNativeKernels).
   */
  lstmImplementation: 'auto' | 'fused' | 'layers';
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object | null ? DeepPartial<T[K]> : T[K] };

export const DEFAULT_MODEL_CONFIG: ModelConfig = {
  lookback: 64,
  features: 10,
  horizons: 3,
  transformer: { dModel: 64, blocks: 2, heads: 4, keyDim: 16, ffDim: 128, dropout: 0.1 },
  lstm: { units: 64, bidirectional: true, layers: 1, returnSequences: false },
  indicators: { hidden: [64, 32, 20], dropout: 0.2, learnPeriods: true, periodLogScale: 10 },
  towers: { hidden: [64, 32], dropout: 0.2 },
  l2: 1e-4,
  lstmImplementation: 'auto',
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: unknown, over: unknown, path: string): unknown {
  if (over === undefined) return base;
  if (isObject(base)) {
    if (!isObject(over)) throw new TypeError(`model config: ${path} must be an object (got ${JSON.stringify(over)})`);
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) {
      if (!(k in base)) throw new RangeError(`model config: unknown key ${path}.${k} (allowed: ${Object.keys(base).join(', ')})`);
      out[k] = merge(base[k], v, `${path}.${k}`);
    }
    return out;
  }
  return over;
}

function int(v: unknown, key: string, min: number): void {
  if (!Number.isInteger(v) || (v as number) < min) {
    throw new RangeError(`model config: ${key} must be an integer >= ${min} (got ${JSON.stringify(v)})`);
  }
}

function rate(v: unknown, key: string): void {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new RangeError(`model config: ${key} must be a number in [0, 1) (got ${JSON.stringify(v)})`);
}

function widths(v: unknown, key: string): void {
  if (!Array.isArray(v) || v.length === 0) throw new RangeError(`model config: ${key} must be a non-empty array of layer widths (got ${JSON.stringify(v)})`);
  v.forEach((w, i) => int(w, `${key}[${i}]`, 1));
}

export function resolveModelConfig(partial: DeepPartial<ModelConfig> = {}): ModelConfig {
  const c = merge(DEFAULT_MODEL_CONFIG, partial, 'model') as ModelConfig;
  int(c.lookback, 'model.lookback', 3);
  int(c.features, 'model.features', 1);
  int(c.horizons, 'model.horizons', 1);
  int(c.transformer.dModel, 'model.transformer.dModel', 1);
  int(c.transformer.blocks, 'model.transformer.blocks', 0);
  int(c.transformer.heads, 'model.transformer.heads', 1);
  int(c.transformer.keyDim, 'model.transformer.keyDim', 1);
  int(c.transformer.ffDim, 'model.transformer.ffDim', 1);
  rate(c.transformer.dropout, 'model.transformer.dropout');
  int(c.lstm.units, 'model.lstm.units', 1);
  int(c.lstm.layers, 'model.lstm.layers', 1);
  for (const key of ['bidirectional', 'returnSequences'] as const) {
    if (typeof c.lstm[key] !== 'boolean') throw new TypeError(`model config: model.lstm.${key} must be a boolean (got ${JSON.stringify(c.lstm[key])})`);
  }
  widths(c.indicators.hidden, 'model.indicators.hidden');
  rate(c.indicators.dropout, 'model.indicators.dropout');
  if (typeof c.indicators.learnPeriods !== 'boolean') throw new TypeError(`model config: model.indicators.learnPeriods must be a boolean (got ${JSON.stringify(c.indicators.learnPeriods)})`);
  if (typeof c.indicators.periodLogScale !== 'number' || !(c.indicators.periodLogScale >= 0 && Number.isFinite(c.indicators.periodLogScale))) {
    throw new RangeError(`model config: model.indicators.periodLogScale must be a finite number >= 0 (got ${JSON.stringify(c.indicators.periodLogScale)})`);
  }
  widths(c.towers.hidden, 'model.towers.hidden');
  rate(c.towers.dropout, 'model.towers.dropout');
  if (typeof c.l2 !== 'number' || !(c.l2 >= 0)) throw new RangeError(`model config: model.l2 must be a number >= 0 (got ${JSON.stringify(c.l2)})`);
  if (!['auto', 'fused', 'layers'].includes(c.lstmImplementation)) {
    throw new RangeError(`model config: model.lstmImplementation must be auto, fused or layers (got ${JSON.stringify(c.lstmImplementation)})`);
  }
  return c;
}
