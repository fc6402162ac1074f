/**
 * Config resolution, lowest to highest precedence: schema defaults <- file <- values given in
 * code <- NTP_* environment <- --set. Each layer is checked on its own first, so an error says
 * where the bad value came from; then the merged result is checked whole, derived keys are
 * filled and cross-key rules run.
 */
import { applyDerived, schemaDefaults } from './defaults.js';
import { ConfigError } from './errors.js';
import { readConfigFile } from './io.js';
import { deepMerge } from './merge.js';
import type { PlainObject } from './path.js';
import { envLayers, setLayers, type ConfigLayer } from './overrides.js';
import { crossKeyIssues } from './rules.js';
import type { PipelineConfig } from './schema.js';
import { schemaIssues } from './validate.js';

export interface ConfigSources {
  /** YAML or JSON file. */
  file?: string;
  /** Values set in code, over the file. */
  values?: PlainObject;
  /** Environment to read NTP_* overrides from; omit for none (pass process.env in the CLI). */
  env?: NodeJS.ProcessEnv;
  /** `key=value` assignments, applied in order. */
  set?: readonly string[];
}

function checked({ source, values }: ConfigLayer): PlainObject {
  const issues = schemaIssues(values, true);
  if (issues.length > 0) throw new ConfigError(issues, source);
  return values;
}

/** A validated config; throws ConfigError naming the source, key, bad value and what is allowed. */
export function resolveConfig(sources: ConfigSources = {}): PipelineConfig {
  const layers: ConfigLayer[] = [
    ...(sources.file !== undefined ? [{ source: sources.file, values: readConfigFile(sources.file) }] : []),
    ...(sources.values !== undefined ? [{ source: 'values given in code', values: sources.values }] : []),
    ...envLayers(sources.env ?? {}),
    ...setLayers(sources.set ?? []),
  ];
  return validateConfig(layers.map(checked).reduce(deepMerge, schemaDefaults()));
}

/** Checks a complete config object (e.g. built in code), fills derived keys and returns it typed. */
export function validateConfig(value: unknown): PipelineConfig {
  const shape = schemaIssues(value);
  if (shape.length > 0) throw new ConfigError(shape);
  const cfg = applyDerived(value as PlainObject) as PipelineConfig;
  const cross = crossKeyIssues(cfg);
  if (cross.length > 0) throw new ConfigError(cross);
  return cfg;
}

/** Reads and validates one config file over the defaults (no environment, no --set). */
export function loadConfig(path: string): PipelineConfig {
  return resolveConfig({ file: path });
}
