/**
 * CSV log of the learnable indicator periods, one row per epoch (SPEC §7.3), rewritten
 * atomically each epoch so it always matches the epochs completed.
 */
import { writeFileAtomic } from '../util/atomic-write.js';

export class IndicatorLog {
  private rows: { epoch: number; periods: Record<string, number> }[] = [];

  constructor(private readonly path: string, previous: { epoch: number; periods: Record<string, number> }[] = []) {
    this.rows = [...previous];
  }

  record(epoch: number, periods: Record<string, number>): void {
    this.rows = this.rows.filter((r) => r.epoch < epoch);
    this.rows.push({ epoch, periods });
    const names = Object.keys(this.rows[0].periods);
    const lines = [['epoch', ...names].join(',')];
    for (const r of this.rows) lines.push([r.epoch, ...names.map((n) => r.periods[n])].join(','));
    writeFileAtomic(this.path, `${lines.join('\n')}\n`);
  }

  entries(): readonly { epoch: number; periods: Record<string, number> }[] {
    return this.rows;
  }
}

/** Parses a log written by IndicatorLog (for resume and reports). */
export function parseIndicatorLog(text: string): { epoch: number; periods: Record<string, number> }[] {
  const [head, ...body] = text.trim().split('\n');
  if (!head) return [];
  const names = head.split(',').slice(1);
  return body.filter(Boolean).map((line) => {
    const cells = line.split(',').map(Number);
    return { epoch: cells[0], periods: Object.fromEntries(names.map((n, i) => [n, cells[i + 1]])) };
  });
}
