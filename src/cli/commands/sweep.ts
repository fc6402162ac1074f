import { notBuilt } from '../command.js';

export default notBuilt('sweep', 'Sweep strategy parameters over many symbols on the native engine');
