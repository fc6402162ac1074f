import test from 'ava';

import { GridSampler, RandomSampler, TpeSampler, type FinishedTrial, type Sampler } from '../../src/search/samplers/index.js';
import { parseSpace, type Params, type SearchSpace } from '../../src/search/space.js';

/** Runs `trials` sequential trials of `f` (minimised) and returns the best value found. */
function minimise(sampler: Sampler, f: (p: Params) => number, trials: number): number {
  const history: FinishedTrial[] = [];
  for (let n = 0; n < trials; n++) {
    const params = sampler.sample(n, history)!;
    history.push({ number: n, params, state: 'complete', value: f(params) });
  }
  return Math.min(...history.map((t) => t.value!));
}

function meanBest(make: (seed: number) => Sampler, f: (p: Params) => number, trials: number, seeds: number): number {
  let sum = 0;
  for (let s = 0; s < seeds; s++) sum += minimise(make(s), f, trials);
  return sum / seeds;
}

const bowl = parseSpace(['x: float -5..5', 'y: float -5..5']);
const bowlF = (p: Params) => ((p.x as number) - 0.3) ** 2 + ((p.y as number) + 1.2) ** 2;

test('TPE finds the bottom of a quadratic bowl faster than random search, on average over 12 seeds', (t) => {
  const tpe = meanBest((s) => new TpeSampler(bowl, s, 'min', { startupTrials: 8 }), bowlF, 40, 12);
  const random = meanBest((s) => new RandomSampler(bowl, s), bowlF, 40, 12);
  t.log(`mean best after 40 trials: TPE ${tpe.toFixed(4)}, random ${random.toFixed(4)}`);
  t.true(tpe < random * 0.5, `TPE ${tpe} vs random ${random}`);
});

const mixed = parseSpace(['kind: categorical [a, b, c, d, e]', 'lr: float 1e-5..1 log']);
const offsets: Record<string, number> = { a: 2, b: 1.5, c: 0, d: 1, e: 3 };
const mixedF = (p: Params) => offsets[p.kind as string] + (Math.log10(p.lr as number) + 2.5) ** 2;

test('TPE beats random search on a categorical + log-float space, on average over 20 seeds', (t) => {
  const tpe = meanBest((s) => new TpeSampler(mixed, s, 'min', { startupTrials: 8 }), mixedF, 60, 20);
  const random = meanBest((s) => new RandomSampler(mixed, s), mixedF, 60, 20);
  t.log(`mean best after 60 trials: TPE ${tpe.toFixed(4)}, random ${random.toFixed(4)}`);
  t.true(tpe < random * 0.5, `TPE ${tpe} vs random ${random}`);
});

test('TPE maximises as well as minimises (direction max)', (t) => {
  const neg = (p: Params) => -bowlF(p);
  let sum = 0;
  for (let s = 0; s < 6; s++) {
    const sampler = new TpeSampler(bowl, s, 'max', { startupTrials: 8 });
    const history: FinishedTrial[] = [];
    for (let n = 0; n < 30; n++) {
      const params = sampler.sample(n, history);
      history.push({ number: n, params, state: 'complete', value: neg(params) });
    }
    sum += Math.max(...history.map((h) => h.value!));
  }
  t.true(sum / 6 > -0.5, `mean best ${sum / 6}`);
});

test('samplers are reproducible: same seed and history give the same parameters', (t) => {
  const history: FinishedTrial[] = Array.from({ length: 12 }, (_, n) => {
    const params = new RandomSampler(mixed, 99).sample(n);
    return { number: n, params, state: 'complete' as const, value: mixedF(params) };
  });
  for (const make of [(s: number) => new TpeSampler(mixed, s, 'min'), (s: number) => new RandomSampler(mixed, s)]) {
    t.deepEqual(make(7).sample(12, history), make(7).sample(12, history));
    t.notDeepEqual(make(7).sample(12, history), make(8).sample(12, history));
  }
});

test('sampled values respect ranges, integer steps and log scales', (t) => {
  const space: SearchSpace = parseSpace(['a: int 16..64 step 16', 'b: float 1e-4..1e-2 log', 'c: float 0..1 step 0.1', 'd: int 1..3 log']);
  const tpe = new TpeSampler(space, 1, 'max', { startupTrials: 3 });
  const history: FinishedTrial[] = [];
  for (let n = 0; n < 25; n++) {
    const p = tpe.sample(n, history);
    t.true([16, 32, 48, 64].includes(p.a as number), `a=${p.a}`);
    t.true((p.b as number) >= 1e-4 && (p.b as number) <= 1e-2, `b=${p.b}`);
    t.true(Number.isInteger(Math.round((p.c as number) * 10)) && Math.abs((p.c as number) * 10 - Math.round((p.c as number) * 10)) < 1e-9, `c=${p.c}`);
    t.true([1, 2, 3].includes(p.d as number), `d=${p.d}`);
    history.push({ number: n, params: p, state: 'complete', value: (p.a as number) + (p.c as number) });
  }
});

test('conditional parameters are sampled only when their condition holds', (t) => {
  const space = parseSpace(['layers: categorical [1, 2]', 'units2: int 8..32 when layers=2']);
  const s = new RandomSampler(space, 3);
  const seen = new Set<string>();
  for (let n = 0; n < 40; n++) {
    const p = s.sample(n);
    t.is('units2' in p, p.layers === 2);
    seen.add(String(p.layers));
  }
  t.deepEqual([...seen].sort(), ['1', '2']);
});

test('grid sampler visits every combination once (conditionals collapse), then stops', (t) => {
  const space = parseSpace(['a: categorical [x, y]', 'b: int 1..3', 'c: float 0..0.5 step 0.25 when a=y']);
  const g = new GridSampler(space, 5);
  const seen: string[] = [];
  for (let n = 0; ; n++) {
    const p = g.sample(n);
    if (p === null) break;
    seen.push(JSON.stringify(p));
  }
  // a=x: 3 points (b), a=y: 3 x 3 (b, c) = 12 in all.
  t.is(seen.length, 12);
  t.is(new Set(seen).size, 12);
  t.throws(() => new GridSampler(parseSpace(['f: float 0..1']), 1), { message: /needs a step for the float parameter f/ });
});
