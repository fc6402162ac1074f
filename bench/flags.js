// Command-line flags of the benchmark scripts (`--name value`); no dependencies, so the GPU
// machine's scripts can use it too.
const args = process.argv.slice(2);

/** The text after `--name`, or `fallback` when the flag is absent. */
export function flag(name, fallback) {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  if (i + 1 >= args.length) throw new Error(`--${name} needs a value`);
  return args[i + 1];
}

/** A numeric flag; anything that is not a finite number is an error naming the flag. */
export function numberFlag(name, fallback) {
  const v = Number(flag(name, fallback));
  if (!Number.isFinite(v)) throw new Error(`--${name} must be a number (got ${JSON.stringify(flag(name, fallback))})`);
  return v;
}
