/**
 * The data a report is rendered from (SPEC §10 `report`). Plain JSON-able values so a run can
 * save it and render later; times are Unix milliseconds (UTC). Every section except the header
 * fields is optional: the page shows what it is given.
 */

export interface ReportCandles {
  time: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
}

export interface TierFill {
  tier: 1 | 2 | 3;
  time: number;
  price: number;
}

export interface ReportTrade {
  entryTime: number;
  exitTime: number;
  side: 1 | -1;
  entryPrice: number;
  /** Price of the final exit (the one that closed the position). */
  exitPrice: number;
  size: number;
  /** Why the position closed, e.g. "stop", "target", "signal", "maxHold", "end", "liquidation". */
  reason: string;
  pnl: number;
  tierFills: TierFill[];
}

export interface EquityCurve {
  time: number[];
  equity: number[];
}

export interface SymbolReport {
  symbol: string;
  candles?: ReportCandles;
  trades?: ReportTrade[];
  /** Drawdown is derived from this curve when the page is drawn. */
  equity?: EquityCurve;
  /** Flat trading metrics, e.g. total_return, sharpe, max_drawdown, win_rate, trades. */
  metrics?: Record<string, number>;
  /** The strategy beside its baselines on the same bars, with what each paid in costs. */
  comparison?: ReportComparison;
}

export interface ReportComparison {
  /** 2 x fee + slippage, fraction of notional. */
  roundTripCost: number;
  /** Length of the compared bars in years. */
  years: number;
  /** The strategy first, then the baselines; values keyed as src/pipeline/baselines.ts COMPARISON_ROWS. */
  runs: { name: string; values: Record<string, number> }[];
}

export interface ReportReliabilityBin {
  /** null for an empty bin. */
  meanPredicted: number | null;
  /** Observed frequency of up moves in the bin; null for an empty bin. */
  observed: number | null;
  count: number;
}

export interface HorizonMetrics {
  /** Horizon label, e.g. "short", "1h" or "h3". */
  horizon: string;
  accuracy: number;
  f1: number;
  mcc: number;
  /** Fraction of targets inside mean ± 1 sigma of the variance head (0.683 when calibrated). */
  coverage1Sigma: number;
  /** P(up) reliability bins (usually 10 equal-width bins over [0, 1]). */
  reliability?: ReportReliabilityBin[];
  /** The same bins for the model's raw P(up), when `reliability` is after calibration. */
  reliabilityUncalibrated?: ReportReliabilityBin[];
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  val_loss?: number;
  /** Other monitored values for the epoch, e.g. val_mcc. */
  metrics?: Record<string, number>;
}

export interface TrainingHistory {
  epochs: EpochRecord[];
  /** The metric early stopping watched (a key of `metrics`); drawn in its own chart. */
  monitor?: string;
}

export interface IndicatorPeriods {
  epochs: number[];
  /** Learned period per indicator, one value per entry of `epochs`. */
  periods: Record<string, number[]>;
}

export interface HeatmapCell {
  x: number | string;
  y: number | string;
  value: number;
}

export interface HeatmapSpec {
  /** Parameter on the horizontal axis, e.g. "fast". */
  x: string;
  /** Parameter on the vertical axis, e.g. "slow". */
  y: string;
  /** The metric the colour shows, e.g. "sharpe". */
  metric: string;
  cells: HeatmapCell[];
}

export interface SweepReport {
  /** Metric the rows are ranked by (best first). */
  rankBy?: string;
  columns: string[];
  /** One row per parameter set, best first; cells line up with `columns`. */
  rows: (number | string)[][];
  heatmap?: HeatmapSpec;
  /** Sweeps run on a queue: which worker ran what, and the shards that failed every attempt. */
  distributed?: SweepDistributionReport;
}

export interface SweepDistributionReport {
  sweepId: string;
  shards: number;
  workers: { worker: string; shards: number; paths: number; barCombos: number; busyMs: number }[];
  missing: { shard: number; symbol: string; rules: string; risk: string; paths: number; error: string }[];
}

/** Deflated Sharpe Ratio and Probability of Backtest Overfitting of a sweep's or search's best result. */
export interface OverfittingReport {
  /** Parameter sets tried (pruned and failed ones included). */
  trials: number;
  /** Per-bar Sharpe ratio of the best result and its track record. */
  sharpe: number;
  observations: number;
  skew: number;
  kurtosis: number;
  /** The per-bar Sharpe the best of `trials` skill-less trials would reach by luck. */
  expectedMaxSharpe: number;
  /** P(true Sharpe > expectedMaxSharpe). */
  dsr: number;
  /** null when fewer than two trials have returns over the same bars. */
  pbo: number | null;
  pboCombinations: number;
  /** Returns the PBO was computed over (trials x bars). */
  pboTrials: number;
  /** One sentence a trader can read. */
  verdict: string;
}

export interface SearchTrialRow {
  number: number;
  /** complete, pruned or failed. */
  state: string;
  value: number | null;
  params: Record<string, number | string | boolean>;
  /** Epochs (or other steps) reported before it ended. */
  steps: number;
  seconds: number;
}

export interface SearchReport {
  objective: string;
  direction: 'max' | 'min';
  sampler: string;
  pruner: string;
  params: string[];
  trials: SearchTrialRow[];
  /** Number of the chosen trial, or null when none completed. */
  best: number | null;
  /** How the trial was chosen and evaluated, in words. */
  selection: string;
  /** The chosen trial's metrics on the untouched test split (evaluated once). */
  test?: Record<string, number>;
}

export interface ReportData {
  title: string;
  /** ISO-8601 time the report was made. */
  generatedAt: string;
  /** Where the candles came from, e.g. "binance BTC/USDT 1h, 2024-01-01..2024-06-30". */
  source: string;
  /** True when the candles are synthetic: the page says so prominently. */
  synthetic?: boolean;
  symbols?: SymbolReport[];
  /** Classifier quality per horizon of the model. */
  classifier?: HorizonMetrics[];
  /** The model's direction calls against naive baselines, with confidence intervals. */
  forecast?: ForecastReport;
  training?: TrainingHistory;
  periods?: IndicatorPeriods;
  sweep?: SweepReport;
  search?: SearchReport;
  overfitting?: OverfittingReport;
}

/** Accuracy and MCC of one direction predictor with their confidence intervals [low, high]. */
export interface ForecastScore {
  name: string;
  accuracy: number;
  accuracyCi: [number, number];
  mcc: number;
  mccCi: [number, number];
}

/** The model against naive baselines on the same windows, per horizon. */
export interface ForecastHorizon {
  horizon: string;
  model: ForecastScore;
  baselines: ForecastScore[];
  /** Name of the best baseline (by MCC) and the paired difference model - best. */
  best: string;
  difference: ForecastScore;
}

export interface ForecastReport {
  windows: number;
  /** How the intervals were made, e.g. "95% moving-block bootstrap, 1000 resamples, blocks of 40". */
  method: string;
  horizons: ForecastHorizon[];
  /** The edge gate's verdict in words, when one was made. */
  verdict?: string;
}
