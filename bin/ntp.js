#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled TypeScript (dist/), built by `npm install`.
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err instanceof Error ? err.stack ?? err.message : String(err)); process.exitCode = 1; },
);
