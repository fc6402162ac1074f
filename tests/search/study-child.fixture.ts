/**
 * A study with a cheap objective, run in a child process by study.test.ts (which kills it with
 * SIGKILL part way and starts it again). Arguments: DIR SEED TRIALS PARALLEL STEP_MS.
 * Each finished trial prints "done N".
 */
import { AshaPruner } from '../../src/search/pruners/asha.js';
import { TpeSampler } from '../../src/search/samplers/index.js';
import { parseSpace } from '../../src/search/space.js';
import { runStudy } from '../../src/search/study.js';
import { StudyStore } from '../../src/search/study-store.js';

const [dir, seed, trials, parallel, stepMs] = process.argv.slice(2);
const space = parseSpace(['x: float -3..3', 'k: categorical [a, b, c]', 'n: int 1..5']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await runStudy({
  store: new StudyStore(dir),
  sampler: new TpeSampler(space, Number(seed), 'max', { startupTrials: 4 }),
  pruner: new AshaPruner({ minResource: 1, reductionFactor: 2 }),
  direction: 'max',
  trials: Number(trials),
  parallel: Number(parallel),
  objective: async (trial) => {
    const x = trial.params.x as number;
    const base = -((x - 1) ** 2) + (trial.params.k === 'b' ? 1 : 0) + (trial.params.n as number) / 10;
    for (let step = 1; step <= 4; step++) {
      // Uneven durations so parallel trials finish out of order.
      await sleep(Number(stepMs) * (1 + ((trial.number * 7) % 3)));
      if (trial.report(step, base - 1 / step)) return { value: NaN };
    }
    return { value: base, returns: Array.from({ length: 16 }, (_, i) => Math.sin(i + x) / 100 + base / 1000) };
  },
  onTrial: (t) => process.stdout.write(`done ${t.number}\n`),
});
