// Hyperparameter search throughput (issue 16): trials/hour for a fixed small space with and
// without ASHA pruning (same process, same seed and trials), and the search machinery's
// overhead per trial: study wall time less the time inside the objective's training and
// backtests (sampling, trial records written atomically per epoch, pruning decisions), as a
// share of a trial.
//   npm run bench -- search
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { resolveConfig } from '../src/config/index.js';
import { syntheticMarket } from '../src/data/synthetic.js';
import { runSearchTrial, searchSetup } from '../src/search/objective.js';
import { prunerOf, samplerOf, searchSpaceOf } from '../src/search/setup.js';
import { runStudy } from '../src/search/study.js';
import { StudyStore } from '../src/search/study-store.js';
import { report } from './lib.js';

const TRIALS = 9;
const base = {
  windows: { lookback: 24 },
  model: { transformer: { dModel: 8, heads: 2, keyDim: 4, blocks: 1, ffnDim: 16 }, lstm: { units: 8, bidirectional: false }, indicators: { hidden: [16], output: 8 }, tower: { hidden: [16] } },
  training: { epochs: 4, tensorboard: false },
  search: {
    space: ['training.learningRate: float 1e-4..3e-2 log', 'model.lstm.units: int 4..16 step 4', 'signals.entryThreshold: float 0.5..0.6'],
    trials: TRIALS, folds: 1, seed: 5, tpe: { startupTrials: 3 }, asha: { minResource: 1, reductionFactor: 3 },
  },
};
const series = syntheticMarket({ bars: 1500, seed: 9, symbols: 1 });

async function study(pruner, trials = TRIALS) {
  const dir = mkdtempSync(join(tmpdir(), `ntp-search-bench-${pruner}-`));
  const config = resolveConfig({ values: { ...base, output: { runDir: join(dir, 'run') }, search: { ...base.search, pruner, trials, out: dir } } });
  const setup = searchSetup(config, series);
  let inside = 0;
  const t0 = performance.now();
  const out = await runStudy({
    store: new StudyStore(dir), sampler: samplerOf(config, searchSpaceOf(config)), pruner: prunerOf(config),
    direction: config.search.direction, trials,
    objective: async (trial) => {
      // Time in the objective, less the time its per-epoch reports spend in the study.
      let reporting = 0;
      const start = performance.now();
      const result = await runSearchTrial(setup, {
        params: trial.params, dir: trial.dir,
        report: (step, value) => { const r0 = performance.now(); const stop = trial.report(step, value); reporting += performance.now() - r0; return stop; },
      });
      inside += performance.now() - start - reporting;
      return result;
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  const count = (s) => out.trials.filter((t) => t.state === s).length;
  const epochs = out.trials.reduce((a, t) => a + t.intermediate.length, 0);
  return { seconds, perHour: (trials / seconds) * 3600, overhead: (seconds - inside / 1000) / seconds, complete: count('complete'), pruned: count('pruned'), epochs };
}

// Warm-up: the first trial pays tfjs and addon start-up.
await study('none', 1);
const plain = await study('none');
const asha = await study('asha');
report('search', [
  { metric: `trials/hour, ${TRIALS} trials x ${base.training.epochs} epochs, no pruning`, value: plain.perHour, unit: 'trials/h' },
  { metric: `trials/hour, same study with ASHA (${asha.pruned} of ${TRIALS} pruned)`, value: asha.perHour, unit: 'trials/h', baseline: 'no pruning', baselineValue: plain.perHour, ratio: asha.perHour / plain.perHour },
  { metric: 'search machinery overhead per trial (no pruning)', value: 100 * plain.overhead, unit: '% of trial', target: '< 2', pass: plain.overhead < 0.02 },
  { metric: 'search machinery overhead per trial (ASHA)', value: 100 * asha.overhead, unit: '% of trial', target: '< 2', pass: asha.overhead < 0.02 },
], { params: { trials: TRIALS, epochs: base.training.epochs, bars: 1500, space: base.search.space, plain, asha } });
