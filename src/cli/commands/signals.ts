import { notBuilt } from '../command.js';

export default notBuilt('signals', 'Generate trading signals from a trained run');
