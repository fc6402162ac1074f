import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DirLock, LockedError, lockPathOf } from '../../src/util/dir-lock.js';
import { committedDir, OutputSet, siblingsOf, writeOutputSet } from '../../src/util/output-set.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'ntp-set-'));
const files = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

async function writeSet(dir: string, tag: string): Promise<void> {
  await writeOutputSet(dir, { command: 'test' }, (set) => {
    set.writeFile('a.txt', `a ${tag}`);
    set.writeFile('b.txt', `b ${tag}`);
  });
}

test('a set replaces the old one whole, and an error keeps the old one and removes the staging', async (t) => {
  const parent = tmp();
  const dir = join(parent, 'out');
  await writeSet(dir, 'old');
  writeFileSync(join(dir, 'stale-extra.txt'), 'not part of the new set');
  await writeSet(dir, 'new');
  t.deepEqual(files(dir), { 'a.txt': 'a new', 'b.txt': 'b new' });
  await t.throwsAsync(writeOutputSet(dir, { command: 'test' }, (set) => {
    set.writeFile('a.txt', 'a third');
    throw new Error('boom');
  }), { message: 'boom' });
  t.deepEqual(files(dir), { 'a.txt': 'a new', 'b.txt': 'b new' });
  t.deepEqual(readdirSync(parent), ['out']);
});

test('recovery: a commit cut between its renames is rolled forward; leftovers and dead temporaries go', (t) => {
  const parent = tmp();
  const dir = join(parent, 'out');
  const s = siblingsOf(dir);
  mkdirSync(s.old);
  writeFileSync(join(s.old, 'a.txt'), 'old');
  mkdirSync(s.staging);
  writeFileSync(join(s.staging, 'a.txt'), 'new');
  t.is(committedDir(dir), s.old, 'readers read the old set meanwhile');
  const logs: string[] = [];
  OutputSet.open(dir, { command: 'test', log: (l) => logs.push(l) }).abort();
  t.deepEqual(files(dir), { 'a.txt': 'new' });
  t.regex(logs.join('\n'), /finished a commit interrupted/);
  // After the new set was renamed in: the old one is left over, plus a dead writer's temp file.
  mkdirSync(s.old);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  writeFileSync(join(dir, `.a.txt.${dead}.1.tmp`), 'half');
  OutputSet.open(dir, { command: 'test' }).abort();
  t.deepEqual(readdirSync(parent), ['out']);
  t.deepEqual(files(dir), { 'a.txt': 'new' });
});

test('a second writer fails naming the holder; a dead holder\'s lock is taken over with a message', (t) => {
  const dir = join(tmp(), 'out');
  const lock = DirLock.acquire(dir, 'ntp first');
  const e = t.throws(() => OutputSet.open(dir, { command: 'ntp second' }), { instanceOf: LockedError });
  t.regex(e!.message, new RegExp(`in use by pid ${process.pid} on \\S+ \\(ntp first, since \\d{4}-`));
  lock.release();
  t.false(existsSync(lockPathOf(dir)));

  const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  const info = JSON.parse(JSON.stringify({ ...lock.info, pid: dead, command: 'ntp crashed' }));
  writeFileSync(lockPathOf(dir), JSON.stringify(info));
  const logs: string[] = [];
  const taken = DirLock.acquire(dir, 'ntp third', (l) => logs.push(l));
  t.regex(logs.join('\n'), new RegExp(`its writer, pid ${dead} \\(ntp crashed, since .*\\), is no longer running`));
  t.is(JSON.parse(readFileSync(lockPathOf(dir), 'utf8')).pid, process.pid);
  taken.release();
});

test('a staging left by a dead writer is continued when asked, else replaced', (t) => {
  const dir = join(tmp(), 'run');
  const s = siblingsOf(dir);
  mkdirSync(s.staging, { recursive: true });
  writeFileSync(join(s.staging, 'progress.txt'), 'epoch 3');
  const cont = OutputSet.open(dir, { command: 'test', start: 'continue' });
  t.true(cont.continued);
  t.deepEqual(files(cont.staging), { 'progress.txt': 'epoch 3' });
  cont.abort(true);
  const fresh = OutputSet.open(dir, { command: 'test' });
  t.false(fresh.continued);
  t.deepEqual(readdirSync(fresh.staging), []);
  fresh.writeFile('x.txt', 'x');
  fresh.commit();
  // Continuing with no staging copies the committed set's accepted entries.
  writeFileSync(join(dir, 'derived.json'), '{}');
  const copied = OutputSet.open(dir, { command: 'test', start: 'continue', copy: (name) => name !== 'derived.json' });
  t.deepEqual(files(copied.staging), { 'x.txt': 'x' });
  copied.abort();
  renameSync(dir, `${dir}-moved`);
  t.is(committedDir(dir), dir, 'nothing to fall back to');
});
