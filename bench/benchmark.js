#!/usr/bin/env node
// `npm run bench`: runs every bench/*-bench.js in its own process (so one benchmark's heap and
// threads never skew another), then merges their results into bench/results/latest.json and
// prints one table. `npm run bench -- windowing backtest` runs only those (and replaces only
// their entries in latest.json).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, formatTable, machine } from './lib.js';

const only = process.argv.slice(2);
const scripts = readdirSync(benchDir)
  .filter((f) => f.endsWith('-bench.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
if (scripts.length === 0) {
  console.error(`no benchmark matches ${only.join(', ')}`);
  process.exit(2);
}

const results = [];
let failures = 0;
for (const script of scripts) {
  const name = script.replace(/-bench\.js$/, '');
  console.log(`\n== ${name} ==`);
  const started = Date.now();
  // Benchmarks import the TypeScript sources through tsx, like the tests.
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(benchDir, script)], { stdio: 'inherit', env: process.env });
  const file = join(benchDir, 'results', `${name}.json`);
  if (r.status !== 0 || !existsSync(file)) {
    console.error(`${script} failed (exit ${r.status})`);
    failures++;
    continue;
  }
  const result = JSON.parse(readFileSync(file, 'utf8'));
  if (Date.parse(result.date) < started) {
    console.error(`${script} did not write a fresh ${file}`);
    failures++;
    continue;
  }
  results.push(result);
}

// A partial run (`npm run bench -- backtest`) replaces only its own entries in latest.json;
// the others keep their results and dates.
const path = join(benchDir, 'results', 'latest.json');
const ran = new Set(results.map((r) => r.name));
const kept = only.length > 0 && existsSync(path)
  ? (JSON.parse(readFileSync(path, 'utf8')).benchmarks ?? []).filter((b) => !ran.has(b.name))
  : [];
const latest = { date: new Date().toISOString(), machine: machine(), benchmarks: [...kept, ...results].sort((a, b) => String(a.name).localeCompare(String(b.name))) };
writeFileSync(`${path}.tmp`, JSON.stringify(latest, null, 2) + '\n');
renameSync(`${path}.tmp`, path);
console.log(`\n== summary (${latest.date}, ${latest.machine.cpu}, ${latest.machine.cores} cores) ==`);
console.log(formatTable(results.flatMap((r) => (r.rows ?? []).map((row) => ({ ...row, metric: `${r.name ?? r.benchmark}: ${row.metric}` })))));
process.exitCode = failures === 0 ? 0 : 1;
