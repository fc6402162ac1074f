// System packages the test suite drives (not npm packages): Debian's chromium for the browser
// tests, Debian's redis-server for the distributed sweep tests, and clang for the native fuzz
// step. On a fresh machine `npm test` installs what is missing when it can (root with apt-get,
// as CI runs); otherwise it names the one command to run and the suite fails, except for
// optional packages (the fuzz step then says it did not run).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const SYSTEM_PACKAGES = [
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium'), why: 'browser tests of the HTML reports' },
  { pkg: 'redis-server', present: () => existsSync('/usr/bin/redis-server'), why: 'distributed sweep tests (a throwaway Redis on a loopback port)' },
  { pkg: 'clang', present: () => spawnSync('sh', ['-c', 'command -v clang++'], { stdio: 'ignore' }).status === 0, why: 'the native fuzz step (libFuzzer, sanitizers)', optional: true },
];

const installCommand = (pkgs) => `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${pkgs.join(' ')}`;

/** Installs missing packages where possible; returns the messages of those still missing. */
export function ensureSystemPackages(log = console.error) {
  const missing = SYSTEM_PACKAGES.filter((p) => !p.present());
  if (missing.length === 0) return [];
  const names = missing.map((p) => p.pkg);
  const canInstall = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (canInstall) {
    log(`installing test prerequisites: ${names.join(', ')} (${missing.map((p) => p.why).join('; ')})`);
    const r = spawnSync('sh', ['-c', `(${installCommand(names)}) >/dev/null`], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) log(`apt-get failed (exit ${r.status})`);
  }
  return SYSTEM_PACKAGES.filter((p) => !p.optional && !p.present())
    .map((p) => `${p.pkg} is missing (${p.why}); install it with: ${installCommand([p.pkg])}`);
}
