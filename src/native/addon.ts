/**
 * Loads the Node-API addon built by `npm install` (cmake-js -> build/Release/ntp_native.node,
 * or node-gyp -> build/Release/ntp_native.node from binding.gyp) and types its surface.
 * Each native concept has a wrapper module beside its domain (data/windowing.ts, ...);
 * this file only finds and loads the binary.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { NativeAddon } from './types.js';

export type { NativeAddon } from './types.js';

const require = createRequire(import.meta.url);

function packageRoot(): string {
  // src/native/addon.ts runs from src/ (tsx) or dist/src/ (compiled): walk up to package.json.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'CMakeLists.txt'))) return dir;
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

let cached: { addon: NativeAddon | null; error: string | null; path: string | null } | undefined;

function load(): NonNullable<typeof cached> {
  if (cached) return cached;
  const root = packageRoot();
  const candidates = [
    process.env.NTP_ADDON_PATH,
    join(root, 'build', 'Release', 'ntp_native.node'),
    join(root, 'build', 'Debug', 'ntp_native.node'),
  ].filter((p): p is string => typeof p === 'string' && p.length > 0);
  const errors: string[] = [];
  for (const p of candidates) {
    if (!existsSync(p)) continue;
    try {
      cached = { addon: require(p) as NativeAddon, error: null, path: p };
      return cached;
    } catch (e) {
      errors.push(`${p}: ${(e as Error).message}`);
    }
  }
  cached = {
    addon: null,
    path: null,
    error: errors.length > 0
      ? `the native addon failed to load (${errors.join('; ')})`
      : `the native addon is not built (looked in ${candidates.join(', ')}); run \`npm run build:native\``,
  };
  return cached;
}

/** The addon, or a clear Error saying why it is unavailable. */
export function nativeAddon(): NativeAddon {
  const { addon, error } = load();
  if (!addon) throw new Error(error ?? 'native addon unavailable');
  return addon;
}

/** The addon or null, for callers with a pure-TypeScript fallback. */
export function tryNativeAddon(): NativeAddon | null {
  return load().addon;
}

export function nativeAddonStatus(): { loaded: boolean; path: string | null; error: string | null } {
  const s = load();
  return { loaded: s.addon !== null, path: s.path, error: s.error };
}
