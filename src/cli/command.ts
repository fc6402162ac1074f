/**
 * The contract of a CLI command. Every command gets the parsed arguments, the resolved config
 * (defaults <- --config file <- NTP_* environment <- --set) and an io to write to, and returns
 * its exit code. Add a command by writing one file in commands/ and listing it in
 * commands/index.ts.
 */
import type { Options, PositionalOptions } from 'yargs';

import type { PipelineConfig } from '../config/index.js';
import type { CliIo } from './io.js';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Options every command accepts (added in main.ts). */
export interface CommonArgs {
  config?: string;
  set: string[];
  json: boolean;
  backend?: string;
}

export type CommandArgs = CommonArgs & { [option: string]: unknown };

export type CommandHandler = (args: CommandArgs, config: PipelineConfig, io: CliIo) => Promise<number>;

export interface CommandSpec {
  name: string;
  describe: string;
  /** yargs command string with positionals, e.g. 'evaluate [runDir]' (default: name). */
  usage?: string;
  positionals?: { [name: string]: PositionalOptions };
  /** Options beyond the common ones, in yargs form. */
  options?: { [name: string]: Options };
  /** Options that are shorthands for config keys (option name -> dotted key), applied like --set. */
  configKeys?: { [option: string]: string };
  run: CommandHandler;
}

/**
 * `--device auto|cpu|cuda` of the commands that run the model: shorthand for runtime.device
 * (`ntp sweep --device` is the same choice for its backtest engine, sweep.device).
 */
export const DEVICE_OPTION: { device: Options } = {
  device: { type: 'string', choices: ['auto', 'cpu', 'cuda'], describe: 'Where the model runs (shorthand for --set runtime.device=...)' },
};
export const DEVICE_CONFIG_KEY = { device: 'runtime.device' } as const;

/** Bad arguments found by a command itself; exits 2 like a yargs usage error. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * The number given with --NAME (or `fallback` when absent), checked to be in [min, max] (an
 * integer unless `real`); otherwise a UsageError naming the flag.
 */
export function numberFlag(args: Record<string, unknown>, name: string, fallback: number, range: { min: number; max: number; real?: boolean }): number {
  const raw = args[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  const kind = range.real ? 'a number' : 'an integer';
  if (!Number.isFinite(v) || (!range.real && !Number.isInteger(v)) || v < range.min || v > range.max) {
    throw new UsageError(`--${name}: got ${String(raw)}, expected ${kind} from ${range.min} to ${range.max}`);
  }
  return v;
}

/** Where library code's notices (recovered output sets, stale locks) go: stderr, one line each. */
export function logTo(io: CliIo): (line: string) => void {
  return (line) => io.stderr(`${line}\n`);
}

/** Writes `value` as one JSON line (with --json) or `text` (without). */
export function emit(args: CommonArgs, io: CliIo, text: string, value: unknown): void {
  io.stdout(args.json ? `${JSON.stringify(value)}\n` : text.endsWith('\n') ? text : `${text}\n`);
}
