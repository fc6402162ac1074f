/**
 * The data check every command runs on its candles before it writes anything (SPEC §11): the
 * blocking rules of validateOhlcv, the same ones `ntp validate` reports as errors, with every
 * finding located by file and line (1-based, header counted) when the series came from a file.
 */
import type { SymbolCandles } from './candles.js';
import type { LoadedSeries } from './source.js';
import { findingLines, validateOhlcv, type ValidationReport } from './validate.js';

/** Candles that break a blocking rule; exits 1 like `ntp validate` does. */
export class DataError extends Error {
  override name = 'DataError';
}

/** The report's findings, each naming the rows as `FILE lines ...` (or `SYMBOL rows ...`, 0-based, without a file). */
export function locatedFindings(s: SymbolCandles, report: ValidationReport, only?: 'blocking'): string[] {
  return s.origin
    ? findingLines(report, (row) => String(s.origin!.lineOf(row)), `${s.origin.file} lines`, only)
    : findingLines(report, String, `${s.symbol} rows`, only);
}

/** Validates every series; throws a DataError listing each blocking finding, else returns the reports. */
export function checkLoadedSeries(loaded: Pick<LoadedSeries, 'series'>): { symbol: string; report: ValidationReport }[] {
  const reports = loaded.series.map((s) => ({ symbol: s.symbol, series: s, report: validateOhlcv(s.candles) }));
  const bad = reports.filter((r) => !r.report.ok);
  if (bad.length > 0) {
    const lines = bad.flatMap((r) => [`${r.series.origin?.file ?? r.symbol}: unusable candles`, ...locatedFindings(r.series, r.report, 'blocking').map((l) => `  ${l}`)]);
    throw new DataError(`${lines.join('\n')}\nnothing was written; fix the data or enable data.clean.* (\`ntp validate\` lists every finding)`);
  }
  return reports.map(({ symbol, report }) => ({ symbol, report }));
}
