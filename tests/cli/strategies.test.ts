/**
 * Every registered rule strategy through the CLI: `ntp backtest --strategy NAME` (its defaults,
 * then explicit flags) and `ntp sweep` with sweep.strategy NAME over its default grid, each with
 * its report; flags of other strategies are refused naming the flag.
 */
import test from 'ava';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { STRATEGIES, type Strategy } from '../../src/backtest/strategies/index.js';
import { captureIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

const DATA = ['--data', 'data/demo/ETHUSDT-1h.csv'];

for (const s of STRATEGIES as readonly Strategy[]) {
  test(`ntp backtest --strategy ${s.name} trades with its defaults and with explicit flags, and writes the report`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), `ntp-bt-${s.name}-`));
    const io = captureIo();
    t.is(await main(['backtest', '--strategy', s.name, ...DATA, '--out', join(dir, 'a'), '--json'], io), 0, io.err);
    const r = JSON.parse(io.out) as { strategy: string; symbols: { metrics: { trades: number } }[] };
    t.is(r.strategy, s.name);
    t.true(r.symbols[0].metrics.trades > 10, `${r.symbols[0].metrics.trades} trades`);
    t.true(existsSync(join(dir, 'a', 'report.html')));
    // The defaults given as flags decide the same trades.
    const flags = Object.entries(s.params).flatMap(([k, p]) => [`--${k}`, String(p.default)]);
    const again = captureIo();
    t.is(await main(['backtest', '--strategy', s.name, ...flags, ...DATA, '--out', join(dir, 'b'), '--json'], again), 0, again.err);
    t.deepEqual((JSON.parse(again.out) as typeof r).symbols[0].metrics, r.symbols[0].metrics);
  });

  test(`ntp sweep with sweep.strategy ${s.name} ranks its default grid and writes the report`, async (t) => {
    const out = mkdtempSync(join(tmpdir(), `ntp-sweep-${s.name}-`));
    const io = captureIo();
    t.is(await main(['sweep', '--json', '--out', out, ...DATA, '--set', `sweep.strategy=${s.name}`, '--set', 'sweep.grid.stopLoss=[0.02]',
      '--set', 'sweep.grid.feeBps=[10]', '--set', 'sweep.device=cpu'], io), 0, io.err);
    const r = JSON.parse(io.out) as { shape: { rules: number }; top: { strategy: string; metrics: { trades: number } }[] };
    t.true(r.shape.rules >= 1);
    t.true(r.top.every((x) => x.strategy.startsWith(`${s.name}(`)), r.top.map((x) => x.strategy).join(', '));
    t.true(r.top.some((x) => x.metrics.trades > 0));
    for (const f of ['sweep.csv', 'sweep.json', 'report.html']) t.true(existsSync(join(out, f)), f);
  });
}

test('a flag of another strategy is refused naming it (exit 2)', async (t) => {
  const io = captureIo();
  t.is(await main(['backtest', '--strategy', 'ema_cross', '--period', '5', ...DATA], io), 2);
  t.regex(io.err, /--period does not apply to --strategy ema_cross \(its parameters: --fast, --slow\)/);
});
