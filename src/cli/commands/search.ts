/**
 * `ntp search`: a hyperparameter study over the config keys in search.space (samplers grid,
 * random, TPE; ASHA pruning), scored on walk-forward folds before the test split; the chosen
 * trial is evaluated once on the test split. The study directory (search.out) resumes when the
 * command runs again. Writes search.json and report.html there, with the DSR and PBO. With
 * --queue (or runtime.queue.url) the trials train on `ntp worker`s (same study, same files).
 */
import { openTrialQueue, redactUrl } from '../../distributed/index.js';
import { formatNumber } from '../../report/format.js';
import { runSearch } from '../../search/run-search.js';
import { EXIT, UsageError, emit, type CommandSpec } from '../command.js';
import { DATA_OPTION, seriesFor } from '../data-args.js';
import { QUEUE_OPTION, queueUrlOf } from '../queue-args.js';

const search: CommandSpec = {
  name: 'search',
  describe: 'Hyperparameter search (search.space) on walk-forward folds, here or on queue workers; resumes its study directory; DSR and PBO of the best trial',
  options: {
    ...DATA_OPTION,
    out: { type: 'string', requiresArg: true, describe: 'Study directory (default search.out)' },
    trials: { type: 'number', requiresArg: true, describe: 'Trial budget (default search.trials)' },
    ...QUEUE_OPTION,
  },
  run: async (args, config, io) => {
    if (config.search.space.length === 0) throw new UsageError('search.space is empty: list the parameters to search in the config (see configs/search-example.yaml)');
    if (args.trials !== undefined && !(Number.isInteger(args.trials) && (args.trials as number) >= 1)) {
      throw new UsageError(`--trials must be an integer >= 1 (got ${String(args.trials)})`);
    }
    const cfg = {
      ...config,
      search: { ...config.search, out: typeof args.out === 'string' ? args.out : config.search.out, trials: (args.trials as number | undefined) ?? config.search.trials },
    };
    const queueUrl = queueUrlOf(args, cfg);
    const loaded = await seriesFor(args, cfg, io);
    const log = args.json ? undefined : (line: string) => io.stderr(`${line}\n`);
    log?.(`search: ${cfg.search.trials} trials of ${cfg.search.space.length} parameters (${cfg.search.sampler}, pruner ${cfg.search.pruner}) on ${loaded.source}${loaded.synthetic ? '  [SYNTHETIC DATA]' : ''} -> ${cfg.search.out}`);
    // With a queue the trials train on `ntp worker`s, search.parallel at once; the study, its files and the final evaluation stay here.
    const queue = queueUrl === null ? null : await openTrialQueue({ url: queueUrl, log: (line) => io.stderr(`search: ${line}\n`) });
    if (queue) {
      const p = cfg.search.parallel;
      log?.(`queue ${redactUrl(queueUrl!)}: ${queue.workers} workers connected; search.parallel = ${p} trial${p === 1 ? '' : 's'} in flight`
        + (queue.workers === 0 ? ' (no worker yet: trials wait in the queue until one joins)'
          : queue.workers > p ? ' (raise search.parallel to keep more workers busy; it changes what each trial sees, so it makes a different study)' : ''));
    }
    let r;
    try {
      r = await runSearch(cfg, loaded, { log, ...(queue ? { remote: queue.objectiveFor } : {}) });
    } finally {
      await queue?.close();
    }
    const lines = [
      `study: ${r.out} (${r.trials.total} trials: ${r.trials.complete} complete, ${r.trials.pruned} pruned, ${r.trials.failed} failed; ${r.trials.resumed} from an earlier run)`,
      `best: trial #${r.best!.number} ${r.objective} ${formatNumber(r.best!.value, 4)} with ${JSON.stringify(r.best!.params)}`,
      r.selection,
    ];
    if (r.test) {
      lines.push(`test split: ${Object.entries(r.test.evaluation).filter(([k]) => /^(loss|dir_mcc_h\d|dir_acc_h\d)$/.test(k)).map(([k, v]) => `${k} ${formatNumber(v, 4)}`).join(', ')}; `
        + `backtest sharpe ${formatNumber(r.test.backtest.sharpe, 3)}, total return ${formatNumber(r.test.backtest.totalReturn, 4)}, trades ${formatNumber(r.test.backtest.trades, 1)}`);
    }
    if (r.statistics) lines.push(r.statistics.verdict);
    lines.push(`written: ${r.out}/search.json, ${r.report}`);
    emit(args, io, lines.join('\n'), r);
    return EXIT.ok;
  },
};

export default search;
