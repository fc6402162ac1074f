import test from 'ava';

import { Dataset, type Batch } from '../../src/data/dataset.js';
import { syntheticMarket } from '../../src/data/synthetic.js';
import { buildWindows } from '../../src/data/windowing.js';
import { loadMarketData } from '../helpers/market-data.js';
import { sliceCandles } from '../../src/data/candles.js';

const T = 16;
const horizons = [1, 4, 12];
const market = syntheticMarket({ bars: 1200, symbols: 3, seed: 8 });

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

test('batch shapes: default 144, last batch smaller, every window exactly once', async (t) => {
  const ds = new Dataset(market, { lookback: T, horizons });
  t.is(ds.batchSize, 144);
  const n = ds.refs.train.ends.length;
  const batches = await collect(ds.batches('train'));
  t.is(batches.length, Math.ceil(n / 144));
  t.is(ds.batchCount('train'), batches.length);
  for (const b of batches.slice(0, -1)) t.is(b.size, 144);
  const last = batches[batches.length - 1];
  t.is(last.size, n - 144 * (batches.length - 1));
  for (const b of batches) {
    t.deepEqual([b.T, b.F, b.H], [T, 10, 3]);
    t.is(b.features.length, b.size * T * 10);
    t.is(b.close.length, b.size * T);
    t.is(b.targets.length, b.size * 3);
    t.is(b.direction.length, b.size * 3);
  }
  const seen = new Set(batches.flatMap((b) => Array.from(b.ends, (e, i) => `${b.symbols[i]}:${e}`)));
  t.is(seen.size, n);
});

test('batch contents equal the windows built directly, with scaled targets and direction labels', async (t) => {
  const ds = new Dataset(market, { lookback: T, horizons, shuffle: true, seed: 5 });
  const [b] = await collect(ds.batches('train'));
  for (const i of [0, 17, b.size - 1]) {
    const s = b.symbols[i];
    const w = buildWindows(market[s].candles, { lookback: T, horizons, ends: [b.ends[i]], scaler: ds.scaler! });
    t.deepEqual(b.features.subarray(i * T * 10, (i + 1) * T * 10), w.features);
    t.deepEqual(b.close.subarray(i * T, (i + 1) * T), w.close);
    for (let h = 0; h < 3; h++) {
      t.true(Math.abs(b.targets[i * 3 + h] - w.targets[h] / ds.scaler!.targetStd[h]) < 1e-6);
      t.is(b.direction[i * 3 + h], w.targets[h] > 0 ? 1 : 0);
    }
  }
});

test('shuffle applies to the training part only, and is deterministic by seed and epoch', async (t) => {
  const ends = async (ds: Dataset, part: 'train' | 'val', epoch = 0) =>
    (await collect(ds.batches(part, { epoch }))).flatMap((b) => Array.from(b.ends, (e, i) => b.symbols[i] * 1e6 + e));
  const a = new Dataset(market, { lookback: T, horizons, seed: 1 });
  const a2 = new Dataset(market, { lookback: T, horizons, seed: 1 });
  const c = new Dataset(market, { lookback: T, horizons, seed: 2 });
  const trainA = await ends(a, 'train');
  t.deepEqual(await ends(a2, 'train'), trainA);
  t.notDeepEqual(await ends(c, 'train'), trainA);
  t.notDeepEqual(await ends(a, 'train', 1), trainA, 'each epoch reshuffles');
  const sorted = [...trainA].sort((x, y) => x - y);
  t.notDeepEqual(trainA, sorted);
  const val = await ends(a, 'val');
  t.deepEqual(val, [...val].sort((x, y) => x - y), 'validation stays in chronological order');
  const unshuffled = new Dataset(market, { lookback: T, horizons, shuffle: false });
  const trainU = await ends(unshuffled, 'train');
  t.deepEqual(trainU, [...trainU].sort((x, y) => x - y));
});

test('noise only on training inputs, seeded', async (t) => {
  const clean = new Dataset(market, { lookback: T, horizons, shuffle: false });
  const noisy = new Dataset(market, { lookback: T, horizons, shuffle: false, noiseStd: 0.1, seed: 3 });
  const [c0] = await collect(clean.batches('train'));
  const [n0] = await collect(noisy.batches('train'));
  const [n0again] = await collect(new Dataset(market, { lookback: T, horizons, shuffle: false, noiseStd: 0.1, seed: 3 }).batches('train'));
  t.deepEqual(n0.features, n0again.features);
  let sq = 0;
  for (let i = 0; i < c0.features.length; i++) sq += (n0.features[i] - c0.features[i]) ** 2;
  const rms = Math.sqrt(sq / c0.features.length);
  t.true(rms > 0.09 && rms < 0.11, `noise rms ${rms}`);
  t.deepEqual(n0.targets, c0.targets, 'targets carry no noise');
  const [cv] = await collect(clean.batches('val'));
  const [nv] = await collect(noisy.batches('val'));
  t.deepEqual(nv.features, cv.features);
});

test('no window across symbols: each window reads only its own symbol', async (t) => {
  // Two symbols on very different price levels: a close channel mixing them would jump.
  const ds = new Dataset(market, { lookback: T, horizons, scaler: null });
  for (const part of ['train', 'val', 'test', 'inference'] as const) {
    for await (const b of ds.batches(part)) {
      for (let i = 0; i < b.size; i++) {
        const c = market[b.symbols[i]].candles;
        t.true(b.ends[i] - T + 1 >= 1 && b.ends[i] < c.close.length);
        const first = b.close[i * T];
        t.true(Math.abs(first - c.close[b.ends[i] - T + 1] / c.close[b.ends[i]]) < 1e-6);
      }
    }
  }
  // Per-symbol splits: the three symbols each contribute their own ranges.
  t.deepEqual(new Set(ds.refs.train.symbols), new Set([0, 1, 2]));
});

test('every training, validation and test window has a complete future; inference windows do not', async (t) => {
  const ds = new Dataset(market, { lookback: T, horizons });
  for (const part of ['train', 'val', 'test'] as const) {
    for await (const b of ds.batches(part)) t.true(b.targets.every(Number.isFinite), part);
  }
  const inf = await collect(ds.batches('inference'));
  t.is(inf.reduce((n, b) => n + b.size, 0), 3 * 12);
  t.true(inf.every((b) => b.targets.some(Number.isNaN)));
  // The last training window's longest target stops before the first validation end.
  for (const s of ds.symbols) t.true(ds.splits[s].train.end - 1 + 12 < ds.splits[s].val.start);
});

test('the fitted scaler saw only training rows (leakage guard ran) and real candles work', async (t) => {
  const eth = loadMarketData('ETHUSDT-1h');
  const btc = loadMarketData('BTCUSDT-1h');
  const ds = new Dataset([
    { symbol: 'ETH', candles: sliceCandles(eth.candles, 30000, 33000) },
    { symbol: 'BTC', candles: sliceCandles(btc.candles, 30000, 34000) },
  ], { lookback: 64, batchSize: 256 });
  t.deepEqual(ds.scaler!.fitRows.map((r) => r.symbol), ['ETH', 'BTC']);
  for (const r of ds.scaler!.fitRows) t.true(r.last < ds.splits[r.symbol].val.start);
  let batches = 0;
  for await (const b of ds.batches('train')) {
    t.true(b.features.every(Number.isFinite));
    if (++batches === 3) break; // stopping early must not leave an unhandled prefetch
  }
  t.is(batches, 3);
});

test('bad options name the key', (t) => {
  t.throws(() => new Dataset([]), { instanceOf: TypeError, message: /non-empty array/ });
  t.throws(() => new Dataset(market, { batchSize: 0 }), { instanceOf: RangeError, message: /batchSize must be an integer >= 1 \(got 0\)/ });
  t.throws(() => new Dataset(market, { noiseStd: -1 }), { instanceOf: RangeError, message: /noiseStd/ });
  t.throws(() => new Dataset([market[0], market[0]]), { message: /symbol "SYN0" appears twice/ });
  const fitted = new Dataset(market, { lookback: T, horizons }).scaler!;
  t.is(new Dataset(market, { lookback: T, horizons, scaler: fitted }).scaler, fitted);
  t.throws(() => new Dataset(market, { lookback: T, horizons: [1, 4], scaler: fitted }), { instanceOf: RangeError, message: /scaler was fit for lookback 16, horizons \[1, 4, 12\]/ });
  const short = syntheticMarket({ bars: 40, symbols: 1, seed: 1 }).map((s) => ({ ...s, symbol: 'TINY' }));
  t.throws(() => new Dataset([market[0], ...short], { lookback: T }), { instanceOf: RangeError, message: /symbol "TINY": .*40 rows are too few/ });
});

test('bad data in a batch rejects the iteration with the row and column; other parts still work', async (t) => {
  const c = market[0].candles;
  const broken = { ...c, close: c.close.slice() };
  const ds0 = new Dataset([{ symbol: 'X', candles: c }], { lookback: T, horizons, batchSize: 32 });
  const row = ds0.splits.X.test.start + 5;
  broken.close[row] = NaN;
  const ds = new Dataset([{ symbol: 'X', candles: broken }], { lookback: T, horizons, batchSize: 32 });
  await t.throwsAsync(collect(ds.batches('test')), { instanceOf: RangeError, message: new RegExp(`close\\[${row}\\]`) });
  t.is((await collect(ds.batches('train'))).length, ds.batchCount('train'));
});
