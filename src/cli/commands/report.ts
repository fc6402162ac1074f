import { notBuilt } from '../command.js';

export default notBuilt('report', 'Write a report of a run');
