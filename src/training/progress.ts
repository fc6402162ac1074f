/**
 * A one-line progress display for long work (training epochs, sweeps, fetches): a bar, the
 * fraction done, items/s and an ETA, plus caller-supplied fields such as loss and metrics.
 * On a TTY it redraws in place; otherwise (CI, pipes) it prints a line at most every few
 * seconds, and nothing at all when `quiet` (e.g. under --json).
 */
export interface ProgressOptions {
  label: string;
  total: number;
  unit?: string;
  stream?: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean };
  quiet?: boolean;
  /** Minimum ms between non-TTY lines. */
  intervalMs?: number;
}

export class Progress {
  private done = 0;
  /** Work done before this process started (a resumed job): not counted in the rate. */
  private base = 0;
  private readonly started = Date.now();
  private lastDraw = 0;
  private readonly stream: NonNullable<ProgressOptions['stream']>;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
  }

  /** Changes the total (work whose size is known only once it starts). */
  setTotal(total: number): void {
    (this.opts as { total: number }).total = total;
  }

  /** Marks `done` items as done before this run, so the rate and ETA count only new work. */
  resumeFrom(done: number): void {
    this.base = done;
  }

  update(done: number, fields: Record<string, number | string> = {}): void {
    this.done = done;
    if (this.opts.quiet) return;
    const now = Date.now();
    const tty = Boolean(this.stream.isTTY);
    if (done < this.opts.total && now - this.lastDraw < (tty ? 100 : this.opts.intervalMs ?? 5000)) return;
    this.lastDraw = now;
    const line = this.render(fields, now);
    this.stream.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  /** Final line (always printed unless quiet). */
  finish(fields: Record<string, number | string | undefined> = {}): void {
    if (this.opts.quiet) return;
    const line = this.render(fields, Date.now());
    this.stream.write(this.stream.isTTY ? `\r${line}\x1b[K\n` : `${line}\n`);
  }

  render(fields: Record<string, number | string | undefined>, now: number): string {
    const total = Math.max(1, this.opts.total);
    const frac = Math.min(1, this.done / total);
    const width = 24;
    const filled = Math.round(frac * width);
    const secs = Math.max(1e-3, (now - this.started) / 1000);
    const rate = (this.done - this.base) / secs;
    const eta = rate > 0 ? (this.opts.total - this.done) / rate : NaN;
    const extra = Object.entries(fields)
      .filter(([, v]) => v !== undefined)  // a value an epoch does not have (samples/s of the initial weights' pass)
      .map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : v}`)
      .join('  ');
    return `${this.opts.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.opts.total} `
      + `${formatNumber(rate)} ${this.opts.unit ?? 'it'}/s ETA ${Number.isFinite(eta) ? `${Math.ceil(eta)}s` : '?'}${extra ? `  ${extra}` : ''}`;
  }
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  const fixed = v.toFixed(a >= 100 ? 0 : 4);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}
