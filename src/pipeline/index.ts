/** The whole pipeline and its report building, as used by `ntp run`, `backtest` and `sweep`. */
export { runPipeline, type RunOptions, type RunSummary } from './run.js';
export { backtestSeries, type Engine, type SignalSource, type SymbolBacktest } from './backtest-series.js';
export { classifierReport, forecastReport, loadReportData, saveReport, sweepReport, symbolReport, trainingReport } from './report-data.js';
export { SweepOutput, SWEEP_PATHS_FILE, type SweepOutputOptions } from './sweep-output.js';
