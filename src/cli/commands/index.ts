/** Every `ntp` command, in help order. */
import type { CommandSpec } from '../command.js';
import backtest from './backtest.js';
import calibrateLoss from './calibrate-loss.js';
import config from './config.js';
import doctor from './doctor.js';
import evaluate from './evaluate.js';
import fetch from './fetch.js';
import predict from './predict.js';
import report from './report.js';
import run from './run.js';
import search from './search.js';
import signals from './signals.js';
import sweep from './sweep.js';
import train from './train.js';
import validate from './validate.js';
import walkforward from './walkforward.js';
import worker from './worker.js';

export const COMMANDS: readonly CommandSpec[] = [
  doctor, config, fetch, validate, train, evaluate, walkforward, predict, signals, backtest, sweep, search, report, run, calibrateLoss, worker,
];
