import { notBuilt } from '../command.js';

export default notBuilt('train', 'Train the model and write a run directory');
