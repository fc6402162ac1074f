import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AshaPruner } from '../../src/search/pruners/asha.js';
import { RandomSampler, TpeSampler } from '../../src/search/samplers/index.js';
import { parseSpace } from '../../src/search/space.js';
import { bestTrial, runStudy } from '../../src/search/study.js';
import { StudyStore, type TrialRecord } from '../../src/search/study-store.js';

const FIXTURE = join(import.meta.dirname, 'study-child.fixture.ts');

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ntp-study-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('ASHA prunes exactly per its rule on a scripted trial set', (t) => {
  // eta 3, minimum resource 1: rungs at steps 1, 3, 9. At a rung, of the n values there
  // (this trial's included) the best max(1, floor(n / 3)) continue.
  const asha = new AshaPruner({ minResource: 1, reductionFactor: 3 });
  t.deepEqual([1, 2, 3, 4, 9, 27].map((s) => asha.isRung(s)), [true, false, true, false, true, true]);
  const others: Map<number, number>[] = [];
  const script: [number, boolean][] = [
    [0.5, false], // n=1, keep 1: itself
    [0.4, true], // n=2, keep 1: 0.5 is better
    [0.6, false], // n=3, keep 1: 0.6 is the best
    [0.55, true], // n=4, keep 1 (0.6)
    [0.5, true], // n=5, keep 1
    [0.58, false], // n=6, keep 2: 0.6, 0.58
    [0.57, true], // n=7, keep 2: 0.6, 0.58
    [0.59, false], // n=8, keep 2: 0.6, 0.59
    [0.59, false], // n=9, keep 3: 0.6, 0.59, 0.59 (a tie at the threshold continues)
    [0.585, true], // n=10, keep 3: 0.6, 0.59, 0.59
  ];
  for (const [value, pruned] of script) {
    t.is(asha.shouldPrune(1, value, others, 'max'), pruned, `value ${value} with ${others.length} others`);
    others.push(new Map([[1, value]]));
  }
  // Step 2 is no rung: nothing is pruned there, however bad.
  t.false(asha.shouldPrune(2, -100, others.map(() => new Map([[2, 1]])), 'max'));
  // Rung 3 with two earlier values 0.7 and 0.6: keep max(1, floor(3/3)) = 1.
  const at3 = [new Map([[3, 0.7]]), new Map([[3, 0.6]])];
  t.true(asha.shouldPrune(3, 0.65, at3, 'max'));
  t.false(asha.shouldPrune(3, 0.71, at3, 'max'));
  // Direction min mirrors; non-finite values are always pruned.
  t.false(asha.shouldPrune(3, 0.55, at3, 'min'));
  t.true(asha.shouldPrune(3, 0.65, at3, 'min'));
  t.true(asha.shouldPrune(2, NaN, [], 'max'));
  t.throws(() => new AshaPruner({ reductionFactor: 1 }), { message: /asha.reductionFactor must be an integer >= 2/ });
});

test('a study records every trial, prunes through the pruner and picks the best complete one', async (t) => {
  const dir = tempDir(t);
  const space = parseSpace(['x: float 0..1']);
  const out = await runStudy({
    store: new StudyStore(dir), sampler: new RandomSampler(space, 1), pruner: new AshaPruner({ reductionFactor: 2 }),
    direction: 'max', trials: 10,
    objective: async (trial) => {
      const x = trial.params.x as number;
      for (let s = 1; s <= 4; s++) if (trial.report(s, x * s)) return { value: NaN };
      return { value: x * 4 };
    },
  });
  t.is(out.trials.length, 10);
  t.deepEqual(new StudyStore(dir).trials(), out.trials);
  const pruned = out.trials.filter((x) => x.state === 'pruned');
  t.true(pruned.length > 0);
  // Every trial pruned at step s was worse there than the best of the earlier trials' step-s values.
  for (const p of pruned) {
    const last = p.intermediate.at(-1)!;
    const earlier = out.trials.filter((o) => o.number < p.number).flatMap((o) => o.intermediate.filter((s) => s.step === last.step).map((s) => s.value));
    t.true(earlier.some((v) => v > last.value));
  }
  const best = bestTrial(out.trials, 'max')!;
  t.is(best.value, Math.max(...out.trials.filter((x) => x.state === 'complete').map((x) => x.value!)));
});

test('a failing objective marks its trial failed with the message and the study goes on', async (t) => {
  const dir = tempDir(t);
  const out = await runStudy({
    store: new StudyStore(dir), sampler: new RandomSampler(parseSpace(['x: float 0..1']), 1), pruner: null, direction: 'min', trials: 3,
    objective: async (trial) => {
      if (trial.number === 1) throw new Error('boom');
      return { value: trial.params.x as number };
    },
  });
  t.deepEqual(out.trials.map((x) => x.state), ['complete', 'failed', 'complete']);
  t.is(out.trials[1].error, 'boom');
});

function runChild(dir: string, parallel: number, killAfter?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; done: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import=tsx', FIXTURE, dir, '5', '12', String(parallel), '15'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let done = 0;
    child.stdout.on('data', (b: Buffer) => {
      done += (b.toString().match(/done \d+/g) ?? []).length;
      if (killAfter !== undefined && done >= killAfter) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, done }));
  });
}

const comparable = (ts: TrialRecord[]) => ts.map(({ number, params, state, value, intermediate, returns }) => ({ number, params, state, value, intermediate, returns }));

for (const parallel of [1, 2]) {
  test(`a study killed with SIGKILL and started again ends with the same trials as one run through (parallel ${parallel})`, async (t) => {
    const whole = tempDir(t);
    const killed = tempDir(t);
    const a = await runChild(whole, parallel);
    t.is(a.code, 0);
    const b = await runChild(killed, parallel, 5);
    t.is(b.signal, 'SIGKILL');
    const partial = new StudyStore(killed).trials();
    t.true(partial.length < 12, `the kill left ${partial.length} trial records`);
    const c = await runChild(killed, parallel);
    t.is(c.code, 0);
    const expected = new StudyStore(whole).trials();
    t.is(expected.length, 12);
    t.true(expected.some((x) => x.state === 'pruned') && expected.some((x) => x.state === 'complete'));
    t.deepEqual(comparable(new StudyStore(killed).trials()), comparable(expected));
  });
}

test('search.parallel sets the study, not how many trials run at once: concurrency 1 and 2 give the same trials', async (t) => {
  const space = parseSpace(['x: float -3..3', 'k: categorical [a, b, c]']);
  const study = async (concurrency: number) => {
    let running = 0;
    let most = 0;
    const out = await runStudy({
      store: new StudyStore(tempDir(t)), sampler: new TpeSampler(space, 7, 'max', { startupTrials: 3 }), pruner: new AshaPruner({ reductionFactor: 2 }),
      direction: 'max', trials: 10, parallel: 2, concurrency,
      objective: async (trial) => {
        most = Math.max(most, ++running);
        const x = trial.params.x as number;
        const base = -((x - 1) ** 2) + (trial.params.k === 'b' ? 1 : 0);
        try {
          for (let step = 1; step <= 3; step++) {
            // Uneven durations, so that with 2 at once trials finish out of order.
            await new Promise((r) => setTimeout(r, 5 * (1 + ((trial.number * 7) % 3))));
            if (trial.report(step, base - 1 / step)) return { value: NaN };
          }
          return { value: base };
        } finally {
          running -= 1;
        }
      },
    });
    return { trials: out.trials, most };
  };
  const one = await study(1);
  const two = await study(2);
  t.is(one.most, 1);
  t.is(two.most, 2);
  t.true(one.trials.some((x) => x.state === 'pruned'));
  t.deepEqual(comparable(one.trials), comparable(two.trials));
  await t.throwsAsync(runStudy({ store: new StudyStore(tempDir(t)), sampler: new RandomSampler(space, 1), pruner: null, direction: 'max', trials: 1, parallel: 2, concurrency: 3, objective: async () => ({ value: 0 }) }),
    { instanceOf: RangeError, message: /concurrency must be an integer in \[1, parallel = 2\] \(got 3\)/ });
});

test('the time budget stops new trials; a grid that is used up stops the study', async (t) => {
  let clock = 0;
  const timed = await runStudy({
    store: new StudyStore(tempDir(t)), sampler: new RandomSampler(parseSpace(['x: float 0..1']), 1), pruner: null, direction: 'max', trials: 10,
    timeBudgetMs: 2500, now: () => clock,
    objective: async (trial) => { clock += 1000; return { value: trial.params.x as number }; },
  });
  // Trials start at 0, 1000 and 2000 ms; at 3000 ms the budget is spent.
  t.is(timed.trials.length, 3);
  t.is(timed.stoppedBy, 'time');
  const { GridSampler } = await import('../../src/search/samplers/index.js');
  const grid = await runStudy({
    store: new StudyStore(tempDir(t)), sampler: new GridSampler(parseSpace(['k: categorical [a, b, c]']), 1), pruner: null, direction: 'max', trials: 10,
    objective: async () => ({ value: 1 }),
  });
  t.is(grid.trials.length, 3);
  t.is(grid.stoppedBy, 'sampler');
  t.deepEqual(grid.trials.map((x) => x.params.k).sort(), ['a', 'b', 'c']);
});
