/**
 * The pipeline configuration, declared once (SPEC §3–§10 defaults). `PipelineConfig` is inferred
 * from this object; validation, defaults, `describeConfig()` and configs/default.yaml read it.
 */
import { allParams, gridAxes, STRATEGY_NAMES } from '../backtest/strategies/index.js';
import { DEFAULT_SHARD_BAR_COMBOS } from '../distributed/shards.js';
import type { BackendChoice } from '../runtime/backend.js';
import { bool, int, list, num, oneOf, section, str, type Fields, type Infer, type ListField } from './schema-types.js';
import { barsPerYear, TIMEFRAME_HINT, TIMEFRAME_PATTERN } from './timeframe.js';

/** Base per-bar features of SPEC §4, in their canonical order. */
export const BASE_FEATURES = [
  'log_return', 'log_range', 'log_body', 'upper_wick', 'lower_wick', 'log_volume_diff',
  'hour_sin', 'hour_cos', 'dow_sin', 'dow_cos',
] as const;
export type BaseFeature = (typeof BASE_FEATURES)[number];

// Listed here rather than imported so that reading a config does not load tfjs.
const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'cpu'] as const satisfies readonly BackendChoice[];

const fraction = { min: 0, max: 1, exclusiveMin: true, exclusiveMax: true } as const;
/** Sweep parameters a heatmap can put on an axis (the strategies' parameters, then risk parameters). */
const SWEEP_PARAMETERS = [...allParams().map((p) => p.name), 'stopLoss', 'feeBps', 'symbol'];
/** sweep.grid: a key per parameter declared in src/backtest/strategies/ (shared keys once), then `rest`. */
function withStrategyGrid<F extends Fields>(rest: F): Record<string, ListField<number>> & F {
  const keys = gridAxes().map(({ key, param, strategies }) => [key, list(
    { kind: 'number', integer: param.integer, min: param.min, max: param.max },
    { default: [...param.grid], minItems: 1, unique: true, description: `${param.describe} (${strategies.join(', ')})` },
  )]);
  return { ...Object.fromEntries(keys), ...rest } as Record<string, ListField<number>> & F;
}
const fractionItem = { kind: 'number', ...fraction } as const;
const positiveInt = { kind: 'number', integer: true, min: 1 } as const;
/** 10000 basis points = 100%: no market charges more per fill. */
const MAX_BPS = 10_000;
/**
 * Largest layer width: a 4096-wide layer already takes tens of MB of weights and Adam state per
 * block; far beyond it a model cannot fit in memory, so the config refuses it up front.
 */
const MAX_WIDTH = 4096;
const width = { kind: 'number', integer: true, min: 1, max: MAX_WIDTH } as const;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
/** A date-range bound: ISO-8601 or integer milliseconds since the epoch. */
const DATE_BOUND = new RegExp(`^(\\d+|${ISO_DATE.source.slice(1, -1)})$`);
const DATE_BOUND_HINT = 'an ISO-8601 date such as 2024-01-01 or 2024-01-01T00:00Z, or milliseconds since the epoch';

export const CONFIG_SCHEMA = section('Pipeline configuration', {
  data: section('Where candles come from (SPEC §3)', {
    source: oneOf(['demo', 'synthetic', 'csv', 'ccxt'], {
      default: 'demo', description: 'Candle source: demo = the real BTCUSDT and ETHUSDT 1h candles shipped in data/demo (2023-05-01..2025-04-30)',
    }),
    paths: list({ kind: 'string' }, { default: [], description: 'CSV files, one per symbol (source csv), relative to the working directory' }),
    symbols: list({ kind: 'string' }, {
      default: [], unique: true,
      description: 'Symbols: markets to fetch (ccxt), or names for `paths` in order (csv; empty = file base names)',
    }),
    exchange: str({ default: 'binance', description: 'ccxt exchange id (source ccxt)' }),
    timeframe: str({ default: '1h', pattern: TIMEFRAME_PATTERN, patternHint: TIMEFRAME_HINT, description: 'Bar length' }),
    since: str({
      default: null, nullable: true, pattern: ISO_DATE, patternHint: 'an ISO-8601 date such as 2024-01-01 or 2024-01-01T00:00Z',
      description: 'First candle to fetch (ccxt); null = the exchange\'s earliest',
    }),
    from: str({
      default: null, nullable: true, pattern: DATE_BOUND, patternHint: DATE_BOUND_HINT,
      description: 'First bar used (inclusive; every source); windows take their lookback from before it. null = the data\'s first',
    }),
    to: str({
      default: null, nullable: true, pattern: DATE_BOUND, patternHint: DATE_BOUND_HINT,
      description: 'Bars before this time are used (exclusive; every source). null = up to the data\'s last',
    }),
    cacheDir: str({ default: '.cache/candles', description: 'On-disk candle cache; fetches resume from its last candle' }),
    pageLimit: int({ default: 1000, min: 1, description: 'Candles per fetchOHLCV request' }),
    maxRetries: int({ default: 5, min: 0, description: 'Retries with exponential backoff on network errors' }),
    demo: section('The shipped real demo data (source demo)', {
      bars: int({
        default: 2000, min: 2, nullable: true,
        description: 'Most recent bars of each demo symbol used (the files hold 17,544; null = all); the default keeps `ntp run` under 5 minutes on 2 cores',
      }),
    }),
    synthetic: section('Seeded synthetic market (source synthetic)', {
      bars: int({ default: 2500, min: 2, description: 'Number of bars (the default keeps `ntp run` under 5 minutes on 2 cores)' }),
      seed: int({ default: 42, min: 0, description: 'Random seed; same seed = same candles' }),
      startPrice: num({ default: 100, min: 0, exclusiveMin: true, description: 'First open' }),
      volatility: num({ default: 0.01, min: 0, max: 1, exclusiveMin: true, exclusiveMax: true, description: 'Per-bar log-return standard deviation the volatility process reverts to' }),
      symbols: int({ default: 1, min: 1, description: 'Independent symbols SYN0, SYN1, ... on one calendar' }),
      regimeSwitch: num({ default: 0.005, min: 0, max: 1, description: 'Probability per bar of leaving the current trend/range regime' }),
    }),
    clean: section('Explicit cleaning steps (all off: nothing is changed unless asked)', {
      dropDuplicates: bool({ default: false, description: 'Drop rows with a repeated timestamp (keep the first)' }),
      sort: bool({ default: false, description: 'Sort rows by timestamp' }),
      fillGaps: bool({ default: false, description: 'Forward-fill missing bars (flat candle, zero volume)' }),
      dropInvalid: bool({ default: false, description: 'Drop rows with NaN, non-positive prices or broken high/low' }),
    }),
  }),
  features: list({ kind: 'string', enum: BASE_FEATURES }, {
    default: [...BASE_FEATURES], minItems: 1, unique: true, description: 'Base per-bar features fed to the model (SPEC §4)',
  }),
  windows: section('Sliding windows and targets (SPEC §4)', {
    lookback: int({ default: 64, min: 2, max: 8192, description: 'Bars per window (T)' }),
    horizons: list(positiveInt, {
      default: [1, 4, 12], minItems: 1, increasing: true, description: 'Forecast horizons in bars, named h0, h1, ...',
    }),
  }),
  split: section('Chronological train/val/test split (SPEC §4)', {
    train: num({ ...fraction, default: 0.7, description: 'Training fraction' }),
    val: num({ ...fraction, default: 0.15, description: 'Validation fraction' }),
    test: num({ ...fraction, default: 0.15, description: 'Test fraction (train + val + test = 1)' }),
    embargo: int({
      min: 0, derive: { text: 'max(windows.horizons)', compute: (get) => Math.max(...(get('windows.horizons') as number[])) },
      description: 'Bars left out between consecutive splits so no target leaks across',
    }),
    walkForward: section('Walk-forward evaluation folds', {
      folds: int({ default: 5, min: 1, description: 'Number of test folds after the initial training block' }),
      mode: oneOf(['expanding', 'rolling'], {
        default: 'expanding', description: 'expanding: train on all earlier bars; rolling: on the last initialTrain fraction',
      }),
      initialTrain: num({ ...fraction, default: 0.5, description: 'Fraction of bars in the first training block' }),
    }),
  }),
  scaler: section('Feature scaling, fit on the training split only (SPEC §4)', {
    method: oneOf(['standard', 'robust'], { default: 'standard', description: 'standard: mean/std; robust: median/IQR' }),
  }),
  dataset: section('Batch iterator (SPEC §4)', {
    batchSize: int({ default: 144, min: 1, max: 65_536, description: 'Windows per batch' }),
    shuffle: bool({ default: true, description: 'Shuffle the training split each epoch (val/test never)' }),
    noiseStd: num({ default: 0, min: 0, description: 'Std of Gaussian noise added to training inputs; 0 = off' }),
  }),
  model: section('Reference model sizes (SPEC §6)', {
    transformer: section('Transformer branch', {
      dModel: int({ default: 64, min: 1, max: MAX_WIDTH, description: 'Projection width' }),
      heads: int({ default: 4, min: 1, max: 64, description: 'Attention heads' }),
      keyDim: int({ default: 16, min: 1, max: 1024, description: 'Key dimension per head' }),
      blocks: int({ default: 2, min: 0, max: 64, description: 'Encoder blocks' }),
      ffnDim: int({ default: 128, min: 1, max: 4 * MAX_WIDTH, description: 'Feed-forward hidden width' }),
      dropout: num({ default: 0.1, min: 0, max: 1, exclusiveMax: true, description: 'Attention dropout' }),
    }),
    lstm: section('LSTM branch', {
      units: int({ default: 64, min: 1, max: MAX_WIDTH, description: 'Units per direction' }),
      bidirectional: bool({ default: true, description: 'Run forward and backward' }),
      layers: int({ default: 1, min: 1, max: 16, description: 'Stacked LSTM layers' }),
      returnSequences: bool({ default: false, description: 'Mean over all steps instead of the last step' }),
    }),
    indicators: section('Learnable-indicator branch (SPEC §5)', {
      hidden: list(width, { default: [64, 32], description: 'MLP hidden widths' }),
      output: int({ default: 20, min: 1, max: MAX_WIDTH, description: 'Branch output width' }),
      dropout: num({ default: 0.2, min: 0, max: 1, exclusiveMax: true, description: 'MLP dropout' }),
      learnPeriods: bool({ default: true, description: 'Train the 30 indicator periods (false: frozen at their initial values, the ablation)' }),
      periodLogScale: num({
        default: 10, min: 0,
        description: 'Periods are learnt as ln(period)/this, so a step moves ln(period) by up to this x learningRate; 0 = raw periods',
      }),
    }),
    tower: section('Per-horizon towers', {
      hidden: list(width, { default: [64, 32], minItems: 1, description: 'Dense ReLU widths' }),
      dropout: num({ default: 0.2, min: 0, max: 1, exclusiveMax: true, description: 'Dropout after the first dense layer' }),
    }),
    recentReturns: int({
      default: 8, min: 0, max: 1024,
      description: 'Last k 1-bar log returns of the window over its realised volatility (clipped to ±5), and their signs, fed linearly to each direction logit (a skip that starts at 0 and can learn what a logistic probe finds: measured, bench/RESULTS.md "Forecast quality"); 0 = off; at most windows.lookback - 1 (every return of a window) are used',
    }),
    l2: num({ default: 1e-4, min: 0, description: 'L2 penalty on dense kernels' }),
  }),
  losses: section('Composite loss (SPEC §7.1)', {
    weights: section('Weight of each loss term', {
      price: num({ default: 1, min: 0, description: 'Huber on the price head' }),
      direction: num({ default: 1, min: 0, description: 'Focal on the direction head' }),
      variance: num({ default: 0.5, min: 0, description: 'Gaussian NLL on the variance head' }),
      trend: num({ default: 0.2, min: 0, description: 'Trend consistency across horizons' }),
    }),
    horizonWeights: list({ kind: 'number', min: 0 }, {
      default: [1, 1, 1], description: 'Weight per horizon (one per windows.horizons)',
    }),
    huberDelta: num({ default: 1, min: 0, exclusiveMin: true, description: 'Huber delta' }),
    focal: section('Binary focal loss', {
      alpha: num({ default: 0.7, min: 0, max: 1, description: 'Weight of the up class (when balance is off)' }),
      balance: bool({ default: true, description: 'alpha per horizon = share of down labels in the training split, so both classes weigh equally' }),
      gamma: num({ default: 1, min: 0, description: 'Focusing exponent' }),
    }),
    trend: section('Trend-consistency loss', {
      variant: oneOf(['local', 'global', 'extended'], { default: 'extended', description: 'Which SPEC §7.1 form' }),
      tau: num({ default: 0.1, min: 0, exclusiveMin: true, description: 'Temperature of sigmoid(r̂/tau) (extended)' }),
    }),
  }),
  training: section('Optimisation (SPEC §7.3)', {
    epochs: int({ default: 40, min: 1, description: 'Maximum epochs' }),
    learningRate: num({ default: 3e-4, min: 0, exclusiveMin: true, description: 'Adam learning rate (3e-4 measured on BTC+ETH 1h: validation loss still falling at epoch 4, 1e-3 climbs from epoch 2)' }),
    patience: int({ default: 3, min: 1, description: 'Early-stopping patience: epochs without a higher monitored value (ties go to the lower val_loss)' }),
    monitor: str({
      default: 'val_dir_mcc_h1', pattern: /^(val_)?[a-z][a-z0-9_]*$/, patternHint: 'a metric name such as val_dir_mcc_h1',
      description: 'Metric for early stopping and the best checkpoint',
    }),
    mode: oneOf(['max', 'min'], { default: 'max', description: 'Whether larger or smaller monitor values are better' }),
    clipNorm: num({ default: 5, min: 0, exclusiveMin: true, description: 'Gradient clipping by global norm' }),
    seed: int({ default: 42, min: 0, description: 'Seed for weights, shuffling and noise' }),
    checkpointDir: str({
      derive: { text: '<output.runDir>/checkpoints', compute: (get) => `${get('output.runDir') as string}/checkpoints` },
      description: 'Best and last checkpoints (written atomically)',
    }),
    tensorboard: bool({ default: true, description: 'Write TensorBoard event files into the run directory' }),
    sigmaCalibration: oneOf(['scale', 'regime'], {
      default: 'regime',
      description: 'Sigma calibration fit on validation after training: regime = s sigma^a rv_k^(1-a), rv_k the realised volatility of the window\'s last k returns, a and k chosen so coverage holds in every symbol x quarter x volatility tercile (1-sigma coverage in band on 7 of 7 real 1h pairs a year later, where the scale managed 1-2: bench/RESULTS.md "Forecast quality"); scale = one factor per horizon',
    }),
  }),
  evaluation: section('Forecast evaluation against naive baselines (ntp evaluate, walkforward; the edge gate of signals/run)', {
    bootstrap: section('Moving-block bootstrap of accuracy and MCC (95% percentile intervals)', {
      samples: int({ default: 1000, min: 100, description: 'Resamples' }),
      blockLength: int({
        default: null, nullable: true, min: 1,
        description: 'Windows per block (consecutive windows of one symbol); null = ceil(sqrt(windows)), at least the longest horizon',
      }),
      seed: int({ default: 42, min: 0, description: 'Seed of the resampling; same seed = same intervals' }),
    }),
  }),
  signals: section('Signal generation (SPEC §8)', {
    requireEdge: bool({
      default: true,
      description: 'Stay flat (no signals) when validation shows no edge over the naive baselines (ntp signals, ntp run); false trades anyway',
    }),
    entryThreshold: num({
      min: 0.5, max: 1, exclusiveMax: true, default: 0.55,
      description: 'Long when P(up, h1) > this, short when P(up, h1) < 1 - this',
    }),
    agreement: section('Multi-horizon agreement gate', {
      threshold: num({ min: 0.5, max: 1, exclusiveMax: true, default: 0.5, description: 'A horizon votes up when P(up) > this, down when < 1 - this' }),
      minAgree: int({ default: 3, min: 1, description: 'Horizons that must vote for the h1 side' }),
      required: bool({ default: true, description: 'Suppress signals the horizons disagree on (false: keep them at half size)' }),
    }),
    costMargin: num({
      default: 0.5, min: 0,
      description: 'Costs first: a signal is kept only when its expected move, (2 P(side) - 1) x the fraction-weighted target distance, '
        + 'exceeds the round-trip cost (2 x backtest.feeBps + backtest.slippageBps) x (1 + costMargin)',
    }),
    confidenceScale: num({ default: 0.01, min: 0, exclusiveMin: true, description: 'Scale in 1 / (1 + sqrt(variance)/scale)' }),
    stop: section('Dynamic stop loss', {
      k: num({ default: 2, min: 0, description: 'Stop distance in predicted sigmas' }),
      min: num({ ...fraction, default: 0.005, description: 'Smallest stop distance (fraction of entry)' }),
      max: num({ ...fraction, default: 0.1, description: 'Largest stop distance (fraction of entry)' }),
    }),
    targets: section('Three profit-target tiers', {
      fractions: list({ kind: 'number', min: 0, max: 1 }, {
        default: [1 / 3, 1 / 3, 1 / 3], minItems: 3, maxItems: 3, sum: 1, description: 'Share of the position exited at each tier',
      }),
      minDistance: num({
        min: 0, max: 1, exclusiveMax: true, default: 0.001,
        description: 'Smallest target distance from entry; targets are never nearer than the round-trip cost (2 x backtest.feeBps + backtest.slippageBps) either',
      }),
    }),
    spike: section('Variance-spike gate', {
      window: int({ default: 50, min: 1, description: 'History length for the median' }),
      k: num({ default: 3, min: 0, exclusiveMin: true, description: 'Spike when variance > k x median' }),
    }),
    size: section('Position size multiplier bounds', {
      min: num({ default: 0, min: 0, description: 'Smallest size multiplier' }),
      max: num({ default: 1, min: 0, description: 'Largest size multiplier' }),
    }),
  }),
  backtest: section('Execution model (SPEC §9)', {
    initialEquity: num({ default: 10000, min: 0, exclusiveMin: true, description: 'Starting equity' }),
    feeBps: num({ default: 10, min: 0, max: MAX_BPS, description: 'Fee on notional per side, basis points' }),
    slippageBps: num({ default: 5, min: 0, max: MAX_BPS, description: 'Slippage on market fills, basis points, against you' }),
    riskFraction: num({ default: 1, min: 0, max: 10, exclusiveMin: true, description: 'Notional = equity x riskFraction x size; above 1 is leverage' }),
    intrabar: oneOf(['pessimistic', 'optimistic'], { default: 'pessimistic', description: 'Stop first or targets first when both are inside a bar' }),
    breakevenAfterTp1: bool({ default: true, description: 'Move the stop to entry after target 1 fills' }),
    allowReverse: bool({ default: true, description: 'An opposite signal reverses instead of only exiting' }),
    maxHoldBars: int({ default: null, nullable: true, min: 1, description: 'Exit at the close after this many bars; null = no limit' }),
    barsPerYear: num({
      min: 0, exclusiveMin: true,
      derive: { text: 'from data.timeframe, 365-day year (set 252 for daily equities)', compute: (get) => barsPerYear(get('data.timeframe') as string) },
      description: 'Annualisation of per-bar returns',
    }),
    direction: oneOf(['both', 'long', 'short'], { default: 'both', description: 'Sides a strategy may open (a signal for another side still closes a position)' }),
  }),
  sweep: section('Parameter sweeps over many symbols (SPEC §9)', {
    strategy: oneOf([...STRATEGY_NAMES, 'model'], { default: 'ema_cross', description: 'A rule strategy (README: Rule strategies) or model, the trained model\'s signals' }),
    symbols: list({ kind: 'string' }, { default: [], unique: true, description: 'Symbols to sweep; empty = all of data' }),
    device: oneOf(['auto', 'cpu', 'cuda'], { default: 'auto', description: 'Native engine device; auto = CUDA when available' }),
    devices: int({ default: 0, min: 0, max: 64, description: 'GPUs a CUDA sweep splits its launches over; 0 = every usable one' }),
    rankBy: oneOf(['sharpe', 'sortino', 'calmar', 'totalReturn', 'cagr', 'profitFactor', 'expectancy', 'winRate'], {
      default: 'sharpe', description: 'Metric that orders the results',
    }),
    top: int({ default: 20, min: 1, description: 'Top-ranked results printed' }),
    shardBarCombos: num({
      default: DEFAULT_SHARD_BAR_COMBOS, min: 1, description: 'With --queue: bar-combinations (bars x paths) per shard; the default is about 2.5 s of one CPU thread',
    }),
    keep: int({ default: 1000, min: 1, max: 10_000_000, description: 'Best paths kept in memory for sweep.csv, sweep.json and the report' }),
    allPaths: bool({ default: true, description: 'Stream every path\'s metrics to sweep-paths.csv (path order) while the sweep runs' }),
    limits: section('Sweeps are estimated before they start and refused above these (raise them to run bigger grids)', {
      maxPaths: int({ default: 100_000_000, min: 1, description: 'Most paths (symbols x strategies x risk sets)' }),
      maxSeconds: num({ default: 7200, min: 0, exclusiveMin: true, description: 'Longest estimated run time, seconds' }),
      maxMemoryMB: int({ default: 2048, min: 1, description: 'Most estimated memory, MiB' }),
      maxDiskMB: int({ default: 20480, min: 1, description: 'Most estimated output on disk, MiB (sweep-paths.csv is most of it)' }),
    }),
    heatmap: section('The report\'s heatmap: best rankBy value per pair of two parameters (over all others)', {
      x: oneOf(SWEEP_PARAMETERS, { default: 'fast', description: 'Parameter on the horizontal axis' }),
      y: oneOf(SWEEP_PARAMETERS, { default: 'slow', description: 'Parameter on the vertical axis' }),
    }),
    grid: section('Values tried (the grid is the product of the keys the strategy uses; combinations breaking its order, such as fast >= slow, are skipped)', withStrategyGrid({
      entryThreshold: list({ kind: 'number', min: 0.5, max: 1, exclusiveMax: true }, {
        default: [0.55], minItems: 1, unique: true, description: 'P(up, h1) entry thresholds (model; short below 1 - threshold)',
      }),
      stopLoss: list(fractionItem, { default: [0.05], minItems: 1, unique: true, description: 'Fixed stop distance, fraction of entry' }),
      feeBps: list({ kind: 'number', min: 0, max: MAX_BPS }, { default: [10], minItems: 1, unique: true, description: 'Fee variants, basis points' }),
    })),
    sampler: oneOf(['grid', 'random', 'tpe'], {
      default: 'grid', description: 'grid: every combination; random or tpe: sweep.trials parameter sets drawn from the grid values (rule strategies)',
    }),
    trials: int({ default: 100, min: 1, description: 'Parameter sets tried when sweep.sampler is random or tpe' }),
    seed: int({ default: 42, min: 0, description: 'Seed of the random and tpe sweep samplers' }),
  }),
  search: section('Hyperparameter search (ntp search); a study directory that resumes when run again', {
    space: list({ kind: 'string' }, {
      default: [],
      description: 'Parameters, one per item: "KEY: float LOW..HIGH [log] [step S]", "KEY: int LOW..HIGH [log] [step S]" or '
        + '"KEY: categorical [A, B]", KEY any config key; append "when KEY=VALUE" to apply it only when an earlier parameter has that value',
    }),
    objective: str({
      default: 'val_dir_mcc_h1', pattern: /^(val_[a-z0-9_]+|backtest_(sharpe|sortino|calmar|totalReturn|cagr|profitFactor|expectancy|winRate))$/,
      patternHint: 'a validation metric such as val_dir_mcc_h1, or backtest_sharpe (sortino, calmar, totalReturn, cagr, profitFactor, expectancy, winRate) of the model\'s signals after costs',
      description: 'What a trial scores: a validation metric at the best epoch, or a backtest metric of its signals on the validation bars, mean over folds',
    }),
    direction: oneOf(['max', 'min'], { default: 'max', description: 'Whether larger or smaller objective values are better' }),
    trials: int({ default: 20, min: 1, description: 'Trial budget (trials of a resumed study count)' }),
    timeBudget: num({ default: 0, min: 0, description: 'Seconds after which no new trial starts (this invocation); 0 = no limit' }),
    sampler: oneOf(['tpe', 'random', 'grid'], { default: 'tpe', description: 'How trials are proposed' }),
    seed: int({ default: 42, min: 0, description: 'Sampler seed; same seed and budget = same trials' }),
    parallel: int({
      default: 1, min: 1,
      description: 'Trials in flight at once: on queue workers with ntp search --queue, else taking turns in this process (each seeded on its own, so the same trials result); trial n waits for trials up to n - parallel, so results stay reproducible',
    }),
    folds: int({ default: 2, min: 1, description: 'Walk-forward folds (split.walkForward.mode, embargo split.embargo) before the test split that a trial trains and scores on' }),
    tpe: section('TPE sampler (Bergstra et al. 2011)', {
      startupTrials: int({ default: 10, min: 0, description: 'Complete trials sampled at random first' }),
      candidates: int({ default: 24, min: 1, description: 'Candidates drawn from the good density per parameter' }),
      gamma: num({ default: 0.1, min: 0, max: 1, exclusiveMin: true, description: 'Share of complete trials counted as good' }),
    }),
    pruner: oneOf(['asha', 'none'], { default: 'asha', description: 'Stop lagging trials early (on the first fold\'s per-epoch value of the objective\'s validation metric)' }),
    asha: section('Asynchronous successive halving', {
      minResource: int({ default: 1, min: 1, description: 'Epochs before the first rung' }),
      reductionFactor: int({ default: 3, min: 2, description: 'eta: rungs at minResource x eta^k; the best 1/eta continue' }),
    }),
    pboBlocks: int({ default: 16, min: 2, description: 'Blocks of the CSCV split for the probability of backtest overfitting (even)' }),
    out: str({
      derive: { text: '<output.runDir>/search', compute: (get) => `${get('output.runDir') as string}/search` },
      description: 'Study directory (config, trials, report); running again resumes it',
    }),
  }),
  runtime: section('Compute backends (SPEC §2, §7.4)', {
    device: oneOf(['auto', 'cpu', 'cuda'], {
      default: 'auto',
      description: 'Where the model runs: cuda = the ntp backend on the GPU (an error without one), cpu = runtime.backend on the CPU, auto = cuda when a GPU answers, else cpu',
    }),
    backend: oneOf(BACKENDS, { default: 'auto', description: 'tfjs backend on the CPU device; auto = tfjs-node-gpu, tfjs-node, then cpu' }),
    nativeKernels: bool({ default: true, description: 'Register the addon kernels over hot tfjs cpu kernels' }),
    threads: int({ default: 0, min: 0, description: 'Native worker threads; 0 = all cores' }),
    queue: section('The BullMQ/Redis job queue of `ntp worker`, `ntp sweep --queue` and `ntp search --queue` (many machines)', {
      url: str({
        default: null, nullable: true, pattern: /^rediss?:\/\//, patternHint: 'a redis://[USER:PASSWORD@]HOST:PORT[/DB] or rediss:// URL',
        description: 'Redis URL; null = sweeps and searches run locally (the --queue flag sets it)',
      }),
      lockMs: int({ default: 30_000, min: 1000, description: 'Worker job lock; a killed worker\'s shard or trial is taken again after about this long' }),
    }),
  }),
  output: section('Where results go', {
    runDir: str({ default: 'runs/latest', description: 'Run directory: model, scalers, resolved config, metrics' }),
  }),
});

export type PipelineConfig = Infer<typeof CONFIG_SCHEMA>;
export type DataConfig = PipelineConfig['data'];
export type WindowsConfig = PipelineConfig['windows'];
export type SplitConfig = PipelineConfig['split'];
export type ScalerConfig = PipelineConfig['scaler'];
export type DatasetConfig = PipelineConfig['dataset'];
export type ModelConfig = PipelineConfig['model'];
export type LossesConfig = PipelineConfig['losses'];
export type TrainingConfig = PipelineConfig['training'];
export type SignalsConfig = PipelineConfig['signals'];
export type EvaluationConfig = PipelineConfig['evaluation'];
export type BacktestConfig = PipelineConfig['backtest'];
export type SweepConfig = PipelineConfig['sweep'];
export type SearchConfig = PipelineConfig['search'];
export type RuntimeConfig = PipelineConfig['runtime'];
export type OutputConfig = PipelineConfig['output'];
