/** Writes a rendered report atomically (SPEC §11): readers see the old file or the new one. */
import { writeFileAtomic } from '../util/atomic-write.js';
import { renderReport } from './render.js';
import type { ReportData } from './types.js';

export function writeReport(path: string, data: ReportData): void {
  writeFileAtomic(path, renderReport(data));
}
