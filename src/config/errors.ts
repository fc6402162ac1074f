/** Config problems, each naming the dotted key, the bad value and what is allowed. */

export interface ConfigIssue {
  /** Dotted key, e.g. `training.epochs`; empty for the whole document. */
  key: string;
  message: string;
}

/** Thrown for any bad config input; the CLI maps it to exit code 2. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], source?: string) {
    const where = source ? ` in ${source}` : '';
    const lines = issues.map((i) => (i.key ? `${i.key}: ${i.message}` : i.message));
    super(lines.length === 1 ? `invalid config${where}: ${lines[0]}` : `invalid config${where}:\n  - ${lines.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** A value as it appears in messages: JSON, so strings are quoted and null/undefined are visible. */
export function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return JSON.stringify(v);
}
