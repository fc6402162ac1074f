#!/usr/bin/env node
// `npm test`: type-checks and compiles the TypeScript, runs the C++ core tests (ctest), a short
// fuzz of the addon (scripts/fuzz/: JS calls always, the libFuzzer harness when clang++ is
// installed) and the TypeScript tests (ava), and ends with one line `N passed, N failed`
// (ctest executables + fuzz runs + ava tests) that CI reads. Exit code is non-zero if anything failed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ensureSystemPackages } from './test-prerequisites.mjs';

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    const relay = (stream, sink) => stream.on('data', (d) => { out += d; sink.write(d); });
    relay(child.stdout, process.stdout);
    relay(child.stderr, process.stderr);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
    child.on('error', (e) => resolve({ code: 1, out: String(e) }));
  });
}

const extraAva = process.argv.slice(2);
let passed = 0;
let failed = 0;

const tsc = await run('npx', ['tsc', '-p', 'tsconfig.json']);
if (tsc.code !== 0) { console.error('TypeScript compilation failed'); failed += 1; }

if (existsSync('build/CTestTestfile.cmake')) {
  const ctest = await run('ctest', ['--test-dir', 'build', '--output-on-failure']);
  const m = /(\d+)% tests passed, (\d+) tests failed out of (\d+)/.exec(ctest.out);
  if (m) { failed += Number(m[2]); passed += Number(m[3]) - Number(m[2]); }
  else { console.error('ctest produced no summary'); failed += 1; }
} else {
  console.error('build/ has no C++ tests: run `npm run build:native` first');
  failed += 1;
}

const missing = ensureSystemPackages();
for (const m of missing) console.error(m);
failed += missing.length;

// Short fuzz runs, one count each: they fail only on a crash.
const jsFuzz = await run('node', ['scripts/fuzz/js-fuzz.mjs', '--calls', '4000', '--batch', '2000']);
if (jsFuzz.code === 0) passed += 1; else { console.error('js fuzz found a crash'); failed += 1; }
const nativeFuzz = await run('bash', ['scripts/fuzz/native.sh', '20']);
if (nativeFuzz.code === 3) console.log('native fuzz: not run (clang++ not found; apt-get install clang)');
else if (nativeFuzz.code === 0) passed += 1;
else { console.error('native fuzz found a crash (or failed to build)'); failed += 1; }

const ava = await run('npx', ['ava', ...extraAva]);
const count = (re) => { const m = re.exec(ava.out); return m ? Number(m[1]) : 0; };
// ava's verbose (non-TTY) reporter prints one line per test: count those, since its closing
// summary omits the passed count when something failed.
const lines = (re) => ava.out.split('\n').filter((l) => re.test(l)).length;
const avaPassed = lines(/^\s*✔ (?!\[expected fail\])/);
const avaFailed = lines(/^\s*✘/) + count(/(\d+) uncaught exceptions?/) + count(/(\d+) unhandled rejections?/)
  + count(/(\d+) tests? remained pending/) + count(/(\d+) known failures?/);
const avaSkipped = count(/(\d+) tests? skipped/) + count(/(\d+) tests? todo/);
passed += avaPassed;
failed += avaFailed;
if (ava.code !== 0 && avaFailed === 0) failed += 1;  // ava failed without a countable test (e.g. a crash)
if (avaPassed + avaFailed === 0) { console.error('ava ran no tests'); failed += 1; }

console.log(`${passed} passed, ${failed} failed${avaSkipped ? `, ${avaSkipped} skipped` : ''}`);
process.exitCode = failed === 0 ? 0 : 1;
