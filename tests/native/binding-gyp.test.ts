// binding.gyp, the node-gyp build for machines without CMake, lists its sources through `node -p`
// expressions so it cannot fall behind native/: they must name every C++ source CMake builds
// into the addon (a missing one links, then dies at the first call with "undefined symbol").
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();

/** Every file under native/`dir` (recursively) ending with `ext`, as a repository path. */
function sources(dir: string, ext: string): string[] {
  return (readdirSync(join(root, 'native', dir), { recursive: true }) as string[])
    .filter((f) => f.endsWith(ext))
    .map((f) => `native/${dir}/${f}`);
}

test('binding.gyp compiles every core, cuda host and binding source that CMake builds', (t) => {
  const gyp = readFileSync(join(root, 'binding.gyp'), 'utf8');
  const expressions = [...gyp.matchAll(/"<!@\(node -p \\"(.+?)\\"\)"/g)].map((m) => m[1].replace(/\\"/g, '"'));
  t.is(expressions.length, 2, 'the two source expressions (core and cuda host code; bindings)');
  const listed = expressions
    .flatMap((e) => execFileSync(process.execPath, ['-p', e], { cwd: root, encoding: 'utf8' }).trim().split(/\s+/))
    .sort();
  const expected = [...sources('core', '.cpp'), ...sources('cuda', '.cpp'), ...sources('binding', '.cc')].sort();
  t.true(expected.some((f) => f.startsWith('native/core/backtest/')), 'sources in subdirectories are expected');
  t.deepEqual(listed, expected);
});
