import { notBuilt } from '../command.js';

export default notBuilt('validate', 'Check candle files for gaps, duplicates, bad prices and outliers');
