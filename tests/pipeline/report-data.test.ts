import test from 'ava';

import { expandRuleGrid, runSweep } from '../../src/backtest/index.js';
import { syntheticMarket } from '../../src/data/synthetic.js';
import { sweepReport } from '../../src/pipeline/report-data.js';

test('the sweep heatmap holds the best rankBy value per pair of the chosen parameters', async (t) => {
  const [{ symbol, candles }] = syntheticMarket({ bars: 3000, seed: 4, symbols: 1 });
  const result = await runSweep({
    symbols: [{ symbol, candles }],
    rules: expandRuleGrid({ ema_cross: { fast: [5, 10], slow: [20, 40] } }),
    risk: [0.01, 0.03].flatMap((stop) => [0, 10].map((fee) => ({ stopDistance: stop, feeBps: fee }))),
  }, { device: 'cpu', rankBy: 'sharpe' });
  for (const [x, y] of [['fast', 'slow'], ['stopLoss', 'feeBps']] as const) {
    const heat = sweepReport(result, { x, y }).heatmap!;
    t.is(heat.cells.length, 4, `${x} x ${y}: 2 x 2 cells`);
    for (const cell of heat.cells) {
      const of = (r: (typeof result.rows)[number], name: string) => (name === 'stopLoss' ? r.risk.stopDistance : name === 'feeBps' ? r.risk.feeBps : (r.rule as unknown as Record<string, number>)[name]);
      const matching = result.rows.filter((r) => of(r, x) === cell.x && of(r, y) === cell.y).map((r) => r.metrics.sharpe);
      t.is(cell.value, Math.max(...matching), `${x}=${cell.x}, ${y}=${cell.y}`);
    }
  }
  t.is(sweepReport(result, { x: 'period', y: 'lower' }).heatmap, undefined, 'no RSI rows: no heatmap');
});
