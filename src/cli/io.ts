/** Where a command writes and what it reads from the process, injectable so tests capture it. */

export interface CliIo {
  /** Writes `text` to standard output as is (add your own newline). */
  stdout(text: string): void;
  stderr(text: string): void;
  /** Environment for NTP_* config overrides. */
  env: NodeJS.ProcessEnv;
}

export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
};

/** An io that records output, for tests and for embedding the CLI. */
export function captureIo(env: NodeJS.ProcessEnv = {}): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    env,
    stdout(text: string) { io.out += text; },
    stderr(text: string) { io.err += text; },
  };
  return io;
}
