import { notBuilt } from '../command.js';

export default notBuilt('predict', 'Predict the newest window with a trained run');
