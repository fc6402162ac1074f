import { notBuilt } from '../command.js';

export default notBuilt('calibrate-loss', 'Calibrate composite-loss weights from the initial loss magnitudes');
