/**
 * Columnar trading signals: the contract between the signal generator and the backtesters.
 * Index t is the decision at the close of bar t (executed at the open of bar t+1, SPEC §9).
 * Distances are fractions of the entry fill price, so they apply to whatever price the
 * entry actually gets: a long's stop is entry * (1 - stopDistance), its tier-i target
 * entry * (1 + targetDistance[i]); a short mirrors both.
 */
export interface SignalArrays {
  /** +1 long, -1 short, 0 no signal. */
  side: Int8Array;
  /** Stop distance as a fraction of entry, > 0 where side != 0. */
  stopDistance: Float64Array;
  /** Three profit-target distances (tiers 1..3), fractions of entry, increasing. */
  targetDistance: [Float64Array, Float64Array, Float64Array];
  /** Position size multiplier in [0, 1] (notional = equity * riskFraction * size). */
  size: Float64Array;
}
