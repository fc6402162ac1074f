import { notBuilt } from '../command.js';

export default notBuilt('backtest', 'Backtest signals under the SPEC execution model');
