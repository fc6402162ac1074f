/**
 * `ntp` entry point (SPEC §10): parses argv with yargs in strict mode, resolves the config once
 * for every command, and maps outcomes to exit codes: 0 ok, 1 failure, 2 bad usage or config.
 */
import yargs, { type Argv } from 'yargs';

import { ConfigError, resolveConfig } from '../config/index.js';
import { CONFIG_SCHEMA } from '../config/schema.js';
import { DateRangeError } from '../data/range.js';
import { EXIT, UsageError, type CommandArgs, type CommandSpec } from './command.js';
import { COMMANDS } from './commands/index.js';
import { processIo, type CliIo } from './io.js';
import { packageVersion } from './package-info.js';

const BACKEND_CHOICES = CONFIG_SCHEMA.fields.runtime.fields.backend.enum;

function withCommonOptions(y: Argv): Argv {
  return y
    .option('config', { type: 'string', requiresArg: true, describe: 'YAML or JSON config file' })
    .option('set', {
      type: 'string', requiresArg: true, describe: 'Override a key, e.g. --set training.epochs=5 (repeatable)',
      // Repeated --set gives an array, a single one a string: always hand commands a list.
      coerce: (v: string | string[]) => [v].flat(),
    })
    .option('json', { type: 'boolean', default: false, describe: 'Machine-readable output' })
    .option('backend', { type: 'string', choices: BACKEND_CHOICES, describe: 'Shorthand for --set runtime.backend=...' });
}

/** Resolves the config and runs `cmd`, turning what it throws into a message and an exit code. */
export async function runCommand(cmd: CommandSpec, raw: Record<string, unknown>, io: CliIo): Promise<number> {
  const args = { ...raw, set: (raw.set as string[] | undefined) ?? [] } as CommandArgs;
  try {
    const set = args.backend ? [...args.set, `runtime.backend=${args.backend}`] : [...args.set];
    for (const [option, key] of Object.entries(cmd.configKeys ?? {})) {
      if (args[option] !== undefined) set.push(`${key}=${String(args[option])}`);
    }
    const config = resolveConfig({ file: args.config, env: io.env, set });
    return await cmd.run(args, config, io);
  } catch (e) {
    // Errors name what is wrong (SPEC §11), so the message is the report; a stack would bury it.
    io.stderr(`ntp ${cmd.name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof ConfigError || e instanceof UsageError || e instanceof DateRangeError ? EXIT.usage : EXIT.failure;
  }
}

const camelCase = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** yargs lists an unknown --foo-bar twice (foo-bar and its camel-case alias fooBar): name it once. */
function withoutCamelTwins(message: string): string {
  const m = /^Unknown arguments?: (.*)$/.exec(message);
  if (m === null) return message;
  const names = m[1].split(', ');
  const aliases = new Set(names.filter((n) => n.includes('-')).map(camelCase));
  const kept = names.filter((n) => !aliases.has(n));
  return `Unknown argument${kept.length > 1 ? 's' : ''}: ${kept.join(', ')}`;
}

/** yargs's own failure text, keeping its "Did you mean" line but not the full help it appends. */
function usageMessage(err: Error, output: string): string {
  const hint = output.split('\n').find((l) => l.startsWith('Did you mean'));
  return `ntp: ${withoutCamelTwins(err.message)}${hint ? ` (${hint.replace(/\?$/, '').replace(/^Did/, 'did')}?)` : ''}\nRun "ntp --help" for usage.\n`;
}

/** Runs `ntp` with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let code: number | undefined;
  const parser = withCommonOptions(yargs())
    .scriptName('ntp')
    .strict()
    // Without this, an unknown --no-foo is reported as "foo" (read as the negation of --foo).
    .parserConfiguration({ 'boolean-negation': false })
    .exitProcess(false)
    .demandCommand(1, 'give a command')
    .recommendCommands()
    .version(packageVersion())
    .help()
    .wrap(null);
  for (const cmd of COMMANDS) {
    const build = (y: Argv) => {
      for (const [name, spec] of Object.entries(cmd.positionals ?? {})) y.positional(name, spec);
      return y.options(cmd.options ?? {});
    };
    parser.command(cmd.usage ?? cmd.name, cmd.describe, build, async (raw) => {
      code = await runCommand(cmd, raw, io);
    });
  }
  const { err, output } = await new Promise<{ err: Error | undefined; output: string }>((resolve) => {
    // With a callback yargs neither prints nor exits: help, version and errors come back as text.
    void parser.parse([...argv], {}, (e: Error | undefined, _argv: unknown, out: string) => resolve({ err: e, output: out }));
  });
  if (err) {
    io.stderr(usageMessage(err, output));
    return EXIT.usage;
  }
  if (code === undefined) {
    // --help or --version: yargs produced the text.
    io.stdout(`${output}\n`);
    return EXIT.ok;
  }
  return code;
}
