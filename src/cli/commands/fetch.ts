import { notBuilt } from '../command.js';

export default notBuilt('fetch', 'Download candles from an exchange (ccxt) into the on-disk cache');
