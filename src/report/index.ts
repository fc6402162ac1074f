export type {
  ReportCandles, EpochRecord, EquityCurve, HeatmapCell, HeatmapSpec, HorizonMetrics, IndicatorPeriods, ReportReliabilityBin,
  ReportComparison, ReportData, ReportTrade, SweepReport, SymbolReport, TierFill, TrainingHistory, OverfittingReport, SearchReport, SearchTrialRow,
  ForecastReport, ForecastHorizon, ForecastScore,
} from './types.js';
export { renderReport } from './render.js';
export { writeReport } from './write.js';
export { validateReportData } from './validate.js';
export { expectedCalibrationError } from './calibration.js';
export { formatMetric } from './format.js';
export { COMPARISON_ROWS, comparisonTable, formatComparisonValue, type ComparisonUnit } from './comparison.js';
