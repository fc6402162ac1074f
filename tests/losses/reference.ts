/**
 * Plain float64 restatement of SPEC §7.1 for one batch, written from the formulas and not from
 * the tfjs code, so the tests compare two independent computations.
 */
export interface Batch {
  /** [head][h][b] */
  price: number[][];
  direction: number[][];
  variance: number[][];
  /** [b][h] */
  y: number[][];
  d: number[][];
}

const huber = (e: number) => (Math.abs(e) <= 1 ? 0.5 * e * e : Math.abs(e) - 0.5);
const clip = (p: number) => Math.min(Math.max(p, Math.fround(1e-7)), Math.fround(1 - 1e-7));
const focal = (p: number, d: number) => {
  const q = clip(p);
  return -0.7 * d * (1 - q) * Math.log(q) - 0.3 * (1 - d) * q * Math.log(1 - q);
};
const bce = (p: number, target: number) => {
  const q = clip(p);
  return -(target * Math.log(q) + (1 - target) * Math.log(1 - q));
};
const nll = (mu: number, s2: number, y: number) => 0.5 * (Math.log(s2) + (y - mu) ** 2 / s2);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Batch-mean per horizon of each head loss, and the extended trend term. */
export function referenceTerms(x: Batch) {
  const horizons = x.y[0].length;
  const rows = x.y.map((_, b) => b);
  const perHorizon = (f: (b: number, h: number) => number) => Array.from({ length: horizons }, (_, h) => mean(rows.map((b) => f(b, h))));
  const price = perHorizon((b, h) => huber(x.price[h][b] - x.y[b][h]));
  const direction = perHorizon((b, h) => focal(x.direction[h][b], x.d[b][h]));
  const directionBce = perHorizon((b, h) => bce(x.direction[h][b], x.d[b][h]));
  const variance = perHorizon((b, h) => nll(x.price[h][b], x.variance[h][b], x.y[b][h]));
  const last = horizons - 1;
  const local = mean(
    rows.flatMap((b) =>
      Array.from({ length: last }, (_, i) => huber(x.price[i + 1][b] - x.price[i][b] - (x.y[b][i + 1] - x.y[b][i]))),
    ),
  );
  const global = mean(rows.map((b) => huber(x.price[last][b] - x.price[0][b] - (x.y[b][last] - x.y[b][0]))));
  const agreement = mean(perHorizon((b, h) => bce(x.direction[h][b], 1 / (1 + Math.exp(-x.price[h][b] / 0.1)))));
  return { price, direction, directionBce, variance, trend: local + global + agreement };
}
