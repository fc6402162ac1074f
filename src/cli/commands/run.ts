import { notBuilt } from '../command.js';

export default notBuilt('run', 'Run the whole pipeline: data, train, evaluate, signals, backtest, report');
