/**
 * Override layers from the command line (`--set training.epochs=5`) and the environment
 * (`NTP_TRAINING__EPOCHS=5`). Values are YAML scalars, so `5` is a number, `true` a boolean
 * and `[1, 4, 12]` a list.
 */
import YAML from 'yaml';

import { ConfigError } from './errors.js';
import { setPath, type PlainObject } from './path.js';
import { CONFIG_SCHEMA } from './schema.js';
import { isSection, type Node } from './schema-types.js';

function parseValue(text: string, key: string, source: string): unknown {
  try {
    return YAML.parse(text);
  } catch (e) {
    throw new ConfigError([{ key, message: `cannot parse ${JSON.stringify(text)} as a YAML value (${(e as Error).message.split('\n')[0]})` }], source);
  }
}

/** One source of config values, named in error messages (a file, `--set k=v`, a variable). */
export interface ConfigLayer {
  source: string;
  values: PlainObject;
}

function layerFor(key: string, text: string, source: string): ConfigLayer {
  try {
    return { source, values: setPath({}, key, parseValue(text, key, source)) };
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError([{ key, message: (e as Error).message }], source);
  }
}

/** One layer per `--set key=value` argument, in order. */
export function setLayers(assignments: readonly string[]): ConfigLayer[] {
  return assignments.map((a) => {
    const eq = a.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError([{ key: '', message: `--set expects key=value such as training.epochs=5 (got ${JSON.stringify(a)})` }], '--set');
    }
    return layerFor(a.slice(0, eq).trim(), a.slice(eq + 1), `--set ${a}`);
  });
}

export const ENV_PREFIX = 'NTP_';

const squash = (s: string) => s.toLowerCase().replaceAll('_', '');
const camel = (s: string) => s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Maps an environment variable name to a dotted key: `__` separates levels and single
 * underscores separate words, matched to schema keys case-insensitively
 * (`NTP_DATASET__BATCH_SIZE` -> `dataset.batchSize`). Returns null when the first level names
 * no config section, so unrelated variables such as NTP_ADDON_PATH are left alone.
 */
export function envKey(name: string): string | null {
  if (!name.startsWith(ENV_PREFIX)) return null;
  const segments = name.slice(ENV_PREFIX.length).split('__');
  const parts: string[] = [];
  let node: Node | undefined = CONFIG_SCHEMA;
  for (const seg of segments) {
    const match: string | undefined = node && isSection(node)
      ? Object.keys(node.fields).find((k) => squash(k) === squash(seg)) : undefined;
    if (match === undefined && parts.length === 0) return null;
    // An unmatched deeper segment is kept (camelCased) so validation reports it with a suggestion.
    parts.push(match ?? camel(seg));
    node = match !== undefined && node && isSection(node) ? node.fields[match] : undefined;
  }
  return parts.join('.');
}

/** One layer per NTP_* variable that names a config key, sorted by name. */
export function envLayers(env: NodeJS.ProcessEnv): ConfigLayer[] {
  return Object.keys(env).sort().flatMap((name) => {
    const key = envKey(name);
    const text = env[name];
    return key === null || text === undefined ? [] : [layerFor(key, text, name)];
  });
}
