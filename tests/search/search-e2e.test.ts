/**
 * The real search path with tiny trials: a small study on real candles (../shared/data, or its
 * synthetic stand-in) that writes the report, and `ntp search` killed with SIGKILL in a child
 * process and started again, ending with the same trials as a run that went through.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { resolveConfig } from '../../src/config/index.js';
import { sliceCandles } from '../../src/data/candles.js';
import { runSearch } from '../../src/search/run-search.js';
import { StudyStore, type TrialRecord } from '../../src/search/study-store.js';
import { loadMarketData, REPO_ROOT } from '../helpers/market-data.js';
import { withReport } from '../report/browser.js';

const TINY = {
  windows: { lookback: 24 },
  model: {
    transformer: { dModel: 4, heads: 1, keyDim: 4, blocks: 1, ffnDim: 8 }, lstm: { units: 4, bidirectional: false },
    indicators: { hidden: [8], output: 4 }, tower: { hidden: [8] },
  },
  training: { epochs: 2, tensorboard: false },
};

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ntp-search-e2e-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a small real search (8 trials x 2 epochs, one symbol) writes the study, the DSR/PBO and the report', async (t) => {
  const dir = tempDir(t);
  const market = loadMarketData('BTCUSDT-1h');
  const n = market.candles.close.length;
  const candles = sliceCandles(market.candles, n - 2000, n);
  const config = resolveConfig({
    values: {
      ...TINY,
      output: { runDir: join(dir, 'run') },
      search: {
        space: ['training.learningRate: float 1e-3..3e-2 log', 'model.lstm.units: int 4..12 step 4', 'signals.entryThreshold: float 0.5..0.6'],
        trials: 8, folds: 2, tpe: { startupTrials: 4 }, out: join(dir, 'study'),
      },
    },
  });
  const lines: string[] = [];
  const r = await runSearch(config, { series: [{ symbol: 'BTCUSDT', candles }], source: `${market.source} BTCUSDT-1h (last 2000 bars)`, synthetic: market.source === 'synthetic', cleaning: [], range: { from: null, to: null }, starts: [0] }, { log: (l) => lines.push(l) });
  t.log(`data: ${market.source}; ${r.trials.complete} complete, ${r.trials.pruned} pruned in ${(r.elapsedMs / 1000).toFixed(1)} s`);
  t.is(r.trials.total, 8);
  t.is(r.trials.complete + r.trials.pruned + r.trials.failed, 8);
  t.is(r.trials.failed, 0);
  t.true(r.trials.pruned > 0, 'ASHA pruned some trials');
  const trials = new StudyStore(join(dir, 'study')).trials();
  t.is(trials.length, 8);
  // A pruned trial's training stopped at the rung that pruned it (the trainer's stopAfter).
  for (const tr of trials.filter((x) => x.state === 'pruned')) {
    const history = JSON.parse(readFileSync(join(dir, 'study', 'trials', String(tr.number).padStart(6, '0'), 'fold-0', 'history.json'), 'utf8')) as unknown[];
    // The history also holds epoch 0 (the initial weights), which pruning does not see.
    t.is(history.length, tr.intermediate.length + 1);
    t.true(tr.intermediate.length < 2);
  }
  for (const tr of trials.filter((x) => x.state === 'complete')) {
    t.is(tr.intermediate.length, 2);
    t.true(Array.isArray(tr.returns) && tr.returns.length > 100);
  }
  t.truthy(r.statistics);
  t.is(r.statistics!.trials, 8);
  t.true(r.statistics!.dsr >= 0 && r.statistics!.dsr <= 1);
  t.regex(r.statistics!.verdict, /^The best of 8 trials is (not )?distinguishable from luck/);
  t.truthy(r.test);
  t.is(r.test!.trial, r.best!.number);
  t.true(Number.isFinite(r.test!.evaluation.dir_mcc_h1));
  const summary = JSON.parse(readFileSync(join(dir, 'study', 'search.json'), 'utf8'));
  t.is(summary.best.number, r.best!.number);
  const html = readFileSync(r.report, 'utf8');
  for (const id of ['search-trials', 'overfitting-verdict', 'search-selection', 'search-test']) t.true(html.includes(`id="${id}"`), id);
  t.true(html.includes('evaluated once on the untouched test split'));
  t.is((html.match(/<tr[^>]* data-trial="/g) ?? []).length, 8);
  t.true(existsSync(join(dir, 'study', 'final.json')));
  // The browser opens it offline: trials table and verdict as in the JSON, the chosen trial's backtest drawn.
  await withReport(t, r.report, async ({ page }) => {
    const shown = (await page.evaluate(`({
      rows: [...document.querySelectorAll('#search-trials tbody tr')].map((tr) => ({ trial: Number(tr.dataset.trial), state: tr.dataset.state,
        value: tr.querySelector('[data-key="value"]')?.dataset.metric ?? null })),
      verdict: document.querySelector('#overfitting-verdict')?.textContent,
      charts: document.querySelectorAll('#search svg').length,
      candles: document.querySelectorAll('[data-chart="candles"] canvas').length,
    })`)) as { rows: { trial: number; state: string; value: string | null }[]; verdict: string; charts: number; candles: number };
    t.deepEqual(shown.rows, trials.map((x) => ({ trial: x.number, state: x.state, value: x.value === null ? null : String(x.value) })));
    t.is(shown.verdict, r.statistics!.verdict);
    t.is(shown.charts, 1 + 3, 'best-so-far and one scatter per parameter');
    t.true(shown.candles > 0, 'the chosen trial\'s test backtest is drawn');
  });
});

test('trials trained side by side in one process (search.parallel 2) score what they score one at a time', async (t) => {
  const dir = tempDir(t);
  const market = loadMarketData('BTCUSDT-1h');
  const n = market.candles.close.length;
  const loaded = { series: [{ symbol: 'BTCUSDT', candles: sliceCandles(market.candles, n - 1200, n) }], source: 'test', synthetic: market.source === 'synthetic', cleaning: [], range: { from: null, to: null }, starts: [0] };
  // Random sampling without pruning: each trial's parameters and training depend on nothing else.
  const study = async (parallel: number) => {
    const out = join(dir, `parallel-${parallel}`);
    const config = resolveConfig({
      values: {
        ...TINY,
        model: { ...TINY.model, transformer: { ...TINY.model.transformer, dropout: 0.2 } },
        output: { runDir: join(dir, 'run') },
        search: { space: ['training.learningRate: float 1e-3..3e-2 log', 'model.lstm.units: int 4..8 step 4'], sampler: 'random', pruner: 'none', trials: 3, folds: 1, parallel, out },
      },
    });
    await runSearch(config, loaded, { skipFinal: true });
    return new StudyStore(out).trials();
  };
  const alone = await study(1);
  const together = await study(2);
  t.is(alone.length, 3);
  t.true(alone.every((x) => x.state === 'complete' && Number.isFinite(x.value)));
  t.deepEqual(comparable(together), comparable(alone));
});

function runCli(args: string[], killOn?: RegExp): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import=tsx', join(REPO_ROOT, 'src/cli/entry.ts'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (killOn && killOn.test(stderr)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

const comparable = (ts: TrialRecord[]) => ts.map(({ number, params, state, value, intermediate }) => ({ number, params, state, value, intermediate }));

test('ntp search killed with SIGKILL and started again ends with the same trials as an uninterrupted run', async (t) => {
  const dir = tempDir(t);
  const config = join(dir, 'search.json');
  writeFileSync(config, JSON.stringify({
    ...TINY, data: { source: 'synthetic', synthetic: { bars: 1200, seed: 3 } },
    search: { space: ['training.learningRate: float 1e-3..3e-2 log', 'model.lstm.units: int 4..12 step 4'], trials: 4, folds: 1, tpe: { startupTrials: 2 } },
  }));
  const whole = await runCli(['search', '--config', config, '--out', join(dir, 'whole'), '--set', `output.runDir=${join(dir, 'run-a')}`]);
  t.is(whole.code, 0, whole.stderr);
  const killed = await runCli(['search', '--config', config, '--out', join(dir, 'killed'), '--set', `output.runDir=${join(dir, 'run-b')}`], /trial 2\/4/);
  t.is(killed.signal, 'SIGKILL');
  t.true(new StudyStore(join(dir, 'killed')).trials().length < 5);
  const resumed = await runCli(['search', '--config', config, '--out', join(dir, 'killed'), '--set', `output.runDir=${join(dir, 'run-b')}`]);
  t.is(resumed.code, 0, resumed.stderr);
  t.regex(resumed.stderr, /trial 3\/4/);
  t.deepEqual(comparable(new StudyStore(join(dir, 'killed')).trials()), comparable(new StudyStore(join(dir, 'whole')).trials()));
  // A second run of a finished study reuses everything, including the test evaluation.
  const again = await runCli(['search', '--config', config, '--out', join(dir, 'whole'), '--set', `output.runDir=${join(dir, 'run-a')}`, '--json']);
  t.is(again.code, 0, again.stderr);
});
