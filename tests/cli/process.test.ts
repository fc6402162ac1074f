/** The real process: exit codes and streams as a shell sees them (src/cli/entry.ts under tsx, like bin/ntp.js). */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function ntp(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', ...args], {
    encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('doctor --json in a real process: backend cpu, cuda consistent with the device, exit 0 iff the addon loaded', (t) => {
  const r = ntp(['doctor', '--json', '--backend', 'cpu']);
  const report = JSON.parse(r.out);
  t.is(report.backend.name, 'cpu');
  t.is(r.code, report.addon.loaded ? 0 : 1);
  if (report.device === null) t.false(report.addon.loaded);
  else t.is(report.device.cuda, report.device.cudaCompiled && report.device.cudaDeviceCount > 0);
});

test('a bad flag exits 2 with the message on stderr', (t) => {
  const r = ntp(['validate', '--no-such-flag']);
  t.is(r.code, 2);
  t.is(r.out, '');
  t.regex(r.err, /^ntp: Unknown argument: no-such-flag/);
});

test('environment and --set overrides reach the command; a bad config value exits 2 naming the key', (t) => {
  const ok = ntp(['config', '--json', '--set', 'backtest.feeBps=2.5'], { NTP_TRAINING__EPOCHS: '5' });
  t.is(ok.code, 0);
  const c = JSON.parse(ok.out);
  t.deepEqual([c.training.epochs, c.backtest.feeBps], [5, 2.5]);
  const bad = ntp(['train'], { NTP_SIGNALS__STOP__MAX: '2' });
  t.is(bad.code, 2);
  t.regex(bad.err, /signals\.stop\.max: got 2, expected number > 0 and < 1/);
});

test('sweep --device cuda on a machine without a usable GPU exits 1 with the reason and writes nothing', (t) => {
  const out = mkdtempSync(join(tmpdir(), 'ntp-cuda-'));
  const dir = join(out, 'sweep');
  const r = ntp(['sweep', '--device', 'cuda', '--out', dir]);
  const cudaUsable = JSON.parse(ntp(['doctor', '--json']).out).device?.cuda === true;
  if (cudaUsable) {
    t.is(r.code, 0);
    t.regex(r.out, /on cuda/);
  } else {
    t.is(r.code, 1);
    t.regex(r.err, /device is "cuda" but no CUDA device is usable: \S/);
    t.false(existsSync(dir));
  }
  rmSync(out, { recursive: true, force: true });
});
