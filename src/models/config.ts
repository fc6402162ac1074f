/**
 * Sizes of the hybrid model (SPEC §6): the config file's `model` section itself, with its keys,
 * defaults and validation from the schema (src/config/schema.ts, documented in docs/CONFIG.md),
 * so an error names a key the user can set. The pipeline adds the data's shape and the LSTM
 * implementation, which no config key holds directly.
 */
import { ConfigError, deepMerge, defaultConfig, sectionIssues, type ModelConfig as ModelSection } from '../config/index.js';

export interface ModelConfig extends ModelSection {
  /** Lookback T (windows.lookback). */
  lookback: number;
  /** Features per bar F (the `features` list, scaled). */
  features: number;
  /** Number of horizons (windows.horizons; outputs are named h0, h1, ...). */
  horizons: number;
  /**
   * LSTM implementation: 'fused' (the native FusedLSTM op), 'layers' (tf.layers.lstm), or
   * 'auto' (fused when the native kernels are on, see setNativeKernels, or the ntp backend runs).
   */
  lstmImplementation: 'auto' | 'fused' | 'layers';
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object | null ? DeepPartial<T[K]> : T[K] };

const defaults = defaultConfig();

export const DEFAULT_MODEL_CONFIG: ModelConfig = {
  ...defaults.model,
  lookback: defaults.windows.lookback,
  features: defaults.features.length,
  horizons: defaults.windows.horizons.length,
  lstmImplementation: 'auto',
};

/** The key a user sets for each shape field, for messages. */
const SHAPE_KEYS = { lookback: ['windows.lookback', 3], features: ['features', 1], horizons: ['windows.horizons', 1] } as const;

/**
 * `partial` over the defaults, checked: the `model` keys by the config schema (ConfigError naming
 * `model.transformer.ffnDim` etc.), the shape as counts of the keys they come from.
 */
export function resolveModelConfig(partial: DeepPartial<ModelConfig> = {}): ModelConfig {
  const { lookback, features, horizons, lstmImplementation, ...model } = partial;
  const section = deepMerge(defaults.model, model as Record<string, unknown>);
  const issues = sectionIssues('model', section);
  const shape = { lookback, features, horizons };
  for (const [name, [key, min]] of Object.entries(SHAPE_KEYS)) {
    const v = shape[name as keyof typeof shape];
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) {
      issues.push({ key, message: `the model needs ${name} >= ${min} from it (got ${JSON.stringify(v)})` });
    }
  }
  if (lstmImplementation !== undefined && !['auto', 'fused', 'layers'].includes(lstmImplementation)) {
    throw new RangeError(`model lstmImplementation must be auto, fused or layers (got ${JSON.stringify(lstmImplementation)})`);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    ...(section as unknown as ModelSection),
    lookback: lookback ?? DEFAULT_MODEL_CONFIG.lookback,
    features: features ?? DEFAULT_MODEL_CONFIG.features,
    horizons: horizons ?? DEFAULT_MODEL_CONFIG.horizons,
    lstmImplementation: lstmImplementation ?? DEFAULT_MODEL_CONFIG.lstmImplementation,
  };
}
