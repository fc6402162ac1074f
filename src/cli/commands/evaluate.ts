import { notBuilt } from '../command.js';

export default notBuilt('evaluate', 'Evaluate a trained run on the test split or walk-forward folds');
