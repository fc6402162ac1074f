export { CONFIG_SCHEMA, BASE_FEATURES } from './schema.js';
export type {
  PipelineConfig, BaseFeature, DataConfig, WindowsConfig, SplitConfig, ScalerConfig, DatasetConfig, ModelConfig,
  LossesConfig, TrainingConfig, SignalsConfig, EvaluationConfig, BacktestConfig, SweepConfig, SearchConfig, RuntimeConfig, OutputConfig,
} from './schema.js';
export { resolveConfig, validateConfig, loadConfig, type ConfigSources } from './resolve.js';
export { defaultConfig, schemaDefaults } from './defaults.js';
export { readConfigFile, saveConfig } from './io.js';
export { renderConfigYaml } from './render.js';
export { describeConfig } from './describe.js';
export { getPath, setPath } from './path.js';
export { deepMerge } from './merge.js';
export { envKey, ENV_PREFIX } from './overrides.js';
export { ConfigError, type ConfigIssue } from './errors.js';
export { sectionIssues } from './validate.js';
export { timeframeMinutes, barsPerYear } from './timeframe.js';
export { closestName, didYouMean } from './suggest.js';
