/**
 * Costs first (SPEC §8): the one definition of a round trip's cost, and the expected move a
 * signal must beat by `signals.costMargin`. The backtest's cost report uses the same
 * roundTripCost, so "inside costs" means the same thing when deciding and when reporting.
 */

/** Execution costs in basis points, as in the `backtest` config section and BacktestOptions. */
export interface ExecutionCosts {
  /** Fee on each fill's notional. */
  feeBps: number;
  /** Slippage on market fills, against the trade. */
  slippageBps: number;
}

/**
 * Cost of a round trip as a fraction of notional: 2 x fee + slippage. That is exactly what a
 * trade pays when it enters at market (slippage) and exits at a profit target (a limit fill:
 * fee, no slippage); a market exit pays one more slippage.
 */
export function roundTripCost(c: ExecutionCosts): number {
  return (2 * c.feeBps + c.slippageBps) / 1e4;
}

/**
 * Expected favourable move of a trade, as a fraction of entry: it makes the fraction-weighted
 * target distance T = sum f_i d_i with the probability the model gives its side (pSide =
 * P(up) for a long, 1 - P(up) for a short) and loses as much otherwise, so (2 pSide - 1) T.
 * The targets sit at the model's predicted prices, so the predicted return enters through T.
 * Not finite or negative inputs give 0 (nothing expected).
 */
export function expectedMove(pSide: number, targetDistances: ArrayLike<number>, fractions: ArrayLike<number>): number {
  let t = 0;
  for (let i = 0; i < fractions.length; i++) t += fractions[i] * targetDistances[i];
  const e = (2 * pSide - 1) * t;
  return e > 0 && e < Infinity ? e : 0;
}
