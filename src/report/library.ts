/**
 * The lightweight-charts standalone build (defines window.LightweightCharts), read from the
 * installed package at render time so the report embeds exactly the installed version and
 * opens without a network. The package's `exports` map hides dist/, so resolve its
 * package.json and read the file beside it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const STANDALONE = 'dist/lightweight-charts.standalone.production.js';

let cached: string | undefined;

export function lightweightChartsSource(): string {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve('lightweight-charts/package.json');
  } catch (e) {
    throw new Error(`report: cannot find the lightweight-charts package (a dependency; run npm install): ${(e as Error).message}`);
  }
  const path = join(dirname(packageJson), STANDALONE);
  try {
    cached = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`report: cannot read the lightweight-charts standalone build at ${path}: ${(e as Error).message}`);
  }
  return cached;
}
