/**
 * `ntp report DIR`: (re)writes DIR/report.html from DIR/report-data.json (written by run,
 * backtest and sweep), refreshing training curves and indicator periods from the run directory.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { loadReportData, trainingReport } from '../../pipeline/report-data.js';
import { validateReportData, writeReport } from '../../report/index.js';
import { committedDir, withDirLock } from '../../util/output-set.js';
import { EXIT, UsageError, emit, logTo, type CommandSpec } from '../command.js';
import { RUN_DIR_POSITIONAL, runDirOf } from '../data-args.js';

const report: CommandSpec = {
  name: 'report',
  usage: 'report [runDir]',
  describe: 'Write a self-contained HTML report (charts, trades, metrics, training curves) for a run, backtest or sweep folder',
  positionals: RUN_DIR_POSITIONAL,
  options: { out: { type: 'string', requiresArg: true, describe: 'HTML file to write (default <dir>/report.html)' } },
  run: async (args, config, io) => {
    const dir = committedDir(runDirOf(args, config));
    const dataPath = join(dir, 'report-data.json');
    if (!existsSync(dataPath)) {
      throw new UsageError(`${dir} has no report-data.json: run \`ntp run\`, \`ntp backtest\` or \`ntp sweep\` first (they write it)`);
    }
    const render = () => {
      const data = loadReportData(dir);
      Object.assign(data, trainingReport(dir, config.training.monitor), { generatedAt: new Date().toISOString() });
      validateReportData(data);
      return data;
    };
    if (typeof args.out === 'string') {
      writeReport(args.out, render());
    } else {
      // report.html belongs to the folder's set: read and replaced under its lock, so no writer swaps the set meanwhile.
      await withDirLock(dir, 'ntp report', logTo(io), () => writeReport(join(dir, 'report.html'), render()));
    }
    const out = typeof args.out === 'string' ? args.out : join(dir, 'report.html');
    emit(args, io, `report: ${out}`, { report: out });
    return EXIT.ok;
  },
};

export default report;
