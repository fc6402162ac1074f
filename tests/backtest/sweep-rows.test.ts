import test from 'ava';

import { METRIC_NAMES } from '../../src/backtest/metrics.js';
import { expandRuleGrid, type SweepRow } from '../../src/backtest/sweep.js';
import { rankSweepRows, SweepRows } from '../../src/backtest/sweep-rows.js';

// 2 symbols x 3 rules x 2 risk sets: path = (s * 3 + r) * 2 + p.
const grid = {
  symbols: [{ symbol: 'AAA' }, { symbol: 'BBB' }],
  rules: expandRuleGrid({ ema_cross: { fast: [5, 8, 12], slow: [50] } }),
  risk: [{ stopDistance: 0.01 }, { stopDistance: 0.02 }],
};
const sharpe = [0.5, NaN, 2, 0.5, -1, NaN, 2, 0, 1.5, -3, 0.25, 0.5];
/** Metrics of paths begin .. end: sharpe from the table above, every other metric the path number. */
const block = (begin: number, end: number) => {
  const m = new Float64Array((end - begin) * METRIC_NAMES.length);
  for (let path = begin; path < end; path++) {
    METRIC_NAMES.forEach((name, j) => { m[(path - begin) * METRIC_NAMES.length + j] = name === 'sharpe' ? sharpe[path] : path; });
  }
  return m;
};

test('rows from blocks in path order: grid coordinates, streamed once each, a gap allowed, going back refused', (t) => {
  const streamed: SweepRow[] = [];
  const rows = new SweepRows(grid, { rankBy: 'sharpe', onRow: (r) => streamed.push(r) });
  rows.add(0, block(0, 4));
  rows.add(6, block(6, 12));  // paths 4, 5: a failed shard
  t.deepEqual(streamed.map((r) => r.path), [0, 1, 2, 3, 6, 7, 8, 9, 10, 11]);
  const r9 = streamed.find((r) => r.path === 9)!;
  t.is(r9.symbol, 'BBB');
  t.is(r9.strategy, 'ema_cross(8,50)');
  t.is(r9.rule, grid.rules[1]);
  t.is(r9.riskIndex, 1);
  t.is(r9.risk, grid.risk[1]);
  t.is(r9.metrics.trades, 9);
  t.is(r9.metrics.sharpe, -3);
  t.throws(() => rows.add(10, block(10, 12)), { instanceOf: RangeError, message: /path order/ });
  // All kept (no keep): the streamed rows, ranked.
  const all = [...streamed];
  rankSweepRows(all, 'sharpe');
  t.deepEqual(rows.ranked(), all);
});

test('the best `keep` rows, with and without onRow, equal the head of the full ranking (NaN last, ties by path)', (t) => {
  const full = new SweepRows(grid, { rankBy: 'sharpe' });
  full.add(0, block(0, 12));
  const ranked = full.ranked();
  t.deepEqual(ranked.map((r) => r.path), [2, 6, 8, 0, 3, 11, 10, 7, 4, 9, 1, 5]);
  for (const keep of [1, 3, 5, 12, 20]) {
    for (const onRow of [undefined, () => {}]) {
      const top = new SweepRows(grid, { rankBy: 'sharpe', keep, onRow });
      for (let b = 0; b < 12; b += 4) top.add(b, block(b, b + 4));
      t.deepEqual(top.ranked(), ranked.slice(0, keep), `keep ${keep}${onRow ? ', onRow' : ''}`);
    }
  }
  const ascending = new SweepRows(grid, { rankBy: 'sharpe', ascending: true, keep: 2 });
  ascending.add(0, block(0, 12));
  t.deepEqual(ascending.ranked().map((r) => r.path), [9, 4]);
  t.throws(() => new SweepRows(grid, { rankBy: 'sharpe', keep: 0 }), { message: /keep = 0 must be an integer >= 1/ });
  t.throws(() => new SweepRows(grid, { rankBy: 'nope' as never }), { instanceOf: RangeError, message: /rankBy = "nope" must be one of totalReturn, / });
});
