import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { COMMANDS } from '../../src/cli/commands/index.js';
import type { DoctorReport } from '../../src/cli/commands/doctor.js';
import { captureIo } from '../../src/cli/io.js';
import { EXIT, UsageError, type CommandSpec } from '../../src/cli/command.js';
import { main, runCommand } from '../../src/cli/main.js';
import { nativeAddonStatus, tryNativeAddon } from '../../src/native/addon.js';

async function ntp(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const io = captureIo(env);
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

const SPEC_COMMANDS = ['doctor', 'fetch', 'validate', 'train', 'evaluate', 'walkforward', 'predict', 'signals', 'backtest', 'sweep', 'search', 'report', 'run', 'calibrate-loss', 'worker'];

test('doctor --json reports the backend, the addon and its device info as one JSON object', async (t) => {
  const { code, out } = await ntp(['doctor', '--json', '--backend', 'cpu']);
  t.is(out.trim().split('\n').length, 1);
  const r = JSON.parse(out) as DoctorReport;
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  t.is(r.version, pkg.version);
  t.is(r.node, process.version);
  t.deepEqual(r.backend, { name: 'cpu', package: '@tensorflow/tfjs', skipped: [], error: null });
  t.deepEqual(r.addon, nativeAddonStatus());
  t.deepEqual(r.device, tryNativeAddon()?.deviceInfo() ?? null);
  t.is(code, r.addon.loaded ? 0 : 1, 'a missing addon is a failed check');
});

test('doctor prints an aligned human-readable block', async (t) => {
  const { out } = await ntp(['doctor', '--backend', 'cpu']);
  const lines = out.trimEnd().split('\n');
  t.regex(lines[0], /^ntp +\d+\.\d+\.\d+/);
  t.true(lines.some((l) => /^tfjs backend +cpu \(@tensorflow\/tfjs\)$/.test(l)));
  t.true(lines.some((l) => /^native addon +(loaded \(.*ntp_native\.node\)|not loaded: )/.test(l)));
  const valueColumn = (l: string) => /^ *\S+(?: \S+)* {2,}/.exec(l)?.[0].length;
  t.is(new Set(lines.map(valueColumn)).size, 1, 'values start in one column');
});

test('unknown flags and commands are usage errors (exit 2) with a clear message', async (t) => {
  const flag = await ntp(['doctor', '--bogus']);
  t.is(flag.code, 2);
  t.is(flag.err, 'ntp: Unknown argument: bogus\nRun "ntp --help" for usage.\n');
  const kebab = await ntp(['doctor', '--dry-run', '--no-color']);
  t.deepEqual([kebab.code, kebab.err.split('\n')[0]], [2, 'ntp: Unknown arguments: dry-run, no-color'], 'each named once, verbatim');
  const cmd = await ntp(['doctr']);
  t.is(cmd.code, 2);
  t.is(cmd.err, 'ntp: Unknown argument: doctr (did you mean doctor?)\nRun "ntp --help" for usage.\n');
  t.is((await ntp([])).code, 2);
  const backend = await ntp(['doctor', '--backend', 'gpu']);
  t.is(backend.code, 2);
  t.regex(backend.err, /Invalid values:\n.*Argument: backend, Given: "gpu", Choices: "auto", "tensorflow-gpu", "tensorflow", "cpu"/);
});

test('--help lists every SPEC command and --version prints the version', async (t) => {
  const help = await ntp(['--help']);
  t.is(help.code, 0);
  for (const name of SPEC_COMMANDS) t.regex(help.out, new RegExp(`^  ntp ${name} `, 'm'));
  const version = await ntp(['--version']);
  t.is(version.code, 0);
  t.is(version.out.trim(), (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
});

test('every command resolves --config/--set/NTP_* first: a bad value exits 2 naming the key', async (t) => {
  t.deepEqual(COMMANDS.map((c) => c.name).filter((n) => n !== 'config'), SPEC_COMMANDS);
  for (const name of COMMANDS.map((c) => c.name)) {
    const r = await ntp([name, '--json', '--set', 'training.epochs=0']);
    t.is(r.code, 2, name);
    t.is(r.err, `ntp ${name}: invalid config in --set training.epochs=0: training.epochs: got 0, expected integer ≥ 1\n`);
  }
  const env = await ntp(['train'], { NTP_DATASET__BATCH_SIZE: '0' });
  t.is(env.code, 2);
  t.regex(env.err, /NTP_DATASET__BATCH_SIZE: dataset\.batchSize: got 0/);
  const file = join(mkdtempSync(join(tmpdir(), 'ntp-cli-')), 'bad.yaml');
  writeFileSync(file, 'backtest:\n  intrabar: random\n');
  const fromFile = await ntp(['backtest', '--config', file]);
  t.is(fromFile.code, 2);
  t.is(fromFile.err, `ntp backtest: invalid config in ${file}: backtest.intrabar: got "random", expected one of pessimistic, optimistic\n`);
});

test('config --json shows --set, NTP_* and --backend applied over the file', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'ntp-cli-')), 'run.yaml');
  writeFileSync(file, 'training:\n  epochs: 10\n  seed: 7\n');
  const r = await ntp(['config', '--json', '--config', file, '--set', 'training.epochs=3', '--set', 'windows.lookback=32', '--backend', 'cpu'],
    { NTP_TRAINING__SEED: '9', NTP_TRAINING__EPOCHS: '5' });
  t.is(r.code, 0);
  const c = JSON.parse(r.out);
  t.is(c.training.epochs, 3);
  t.is(c.training.seed, 9);
  t.is(c.windows.lookback, 32);
  t.is(c.runtime.backend, 'cpu');
});

test('config prints commented YAML, the defaults or the reference', async (t) => {
  const yaml = await ntp(['config', '--set', 'training.epochs=3']);
  t.regex(yaml.out, /^ {2}epochs: 3 # Maximum epochs/m);
  t.regex(yaml.out, /^ {2}embargo: 12 #/m, 'resolved: derived keys filled');
  t.regex((await ntp(['config', '--defaults'])).out, /^ {2}embargo: null #/m);
  t.regex((await ntp(['config', '--reference'])).out, /^\| `training\.epochs` \| integer ≥ 1 \| `40` \|/m);
  const both = await ntp(['config', '--defaults', '--reference']);
  t.deepEqual([both.code, both.err], [2, 'ntp config: --defaults and --reference are alternatives; give one\n']);
});

test('what a command throws becomes its message and exit code: usage 2, anything else 1', async (t) => {
  const throwing = (e: unknown): CommandSpec => ({ name: 'demo', describe: 'demo', run: async () => { throw e; } });
  const cases: [unknown, number, string][] = [
    [new UsageError('--from must be before --to'), EXIT.usage, 'ntp demo: --from must be before --to\n'],
    [new Error('cannot read data/x.csv: no such file'), EXIT.failure, 'ntp demo: cannot read data/x.csv: no such file\n'],
    ['plain string', EXIT.failure, 'ntp demo: plain string\n'],
  ];
  for (const [error, code, message] of cases) {
    const io = captureIo();
    t.is(await runCommand(throwing(error), { set: [], json: false }, io), code);
    t.is(io.err, message);
  }
  const io = captureIo();
  const seen: unknown[] = [];
  const ok: CommandSpec = { name: 'ok', describe: 'ok', run: async (args, config) => { seen.push(args.set, config.training.epochs); return EXIT.ok; } };
  t.is(await runCommand(ok, { json: false }, io), 0, 'no --set at all is an empty list');
  t.deepEqual(seen, [[], 40]);
});
