/** `ntp validate`: the data-quality report of SPEC §3 for each series, without changing it. */
import { locatedFindings } from '../../data/check.js';
import { validateOhlcv } from '../../data/validate.js';
import { EXIT, emit, type CommandSpec } from '../command.js';
import { DATA_OPTION, seriesFor } from '../data-args.js';

const validate: CommandSpec = {
  name: 'validate',
  describe: 'Check candles for duplicates, gaps, NaN, bad prices, outliers (exit 1 when a series has errors)',
  options: DATA_OPTION,
  run: async (args, config, io) => {
    const { series, source } = await seriesFor(args, config, io, { check: false });
    const reports = series.map((s) => ({ symbol: s.symbol, series: s, report: validateOhlcv(s.candles) }));
    const text = [`source: ${source}`, ...reports.map(({ symbol, series: s, report }) =>
      [`${symbol}: ${report.rows} rows, ${report.ok ? 'ok' : 'ERRORS'}`, ...locatedFindings(s, report).map((l) => `  ${l}`)].join('\n'))].join('\n');
    emit(args, io, text, { source, reports: reports.map(({ symbol, report }) => ({ symbol, report })) });
    return reports.every((r) => r.report.ok) ? EXIT.ok : EXIT.failure;
  },
};

export default validate;
