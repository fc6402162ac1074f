/** Worker processes for the distributed tests (worker.fixture.ts), with their logs kept for assertions. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./worker.fixture.ts', import.meta.url));

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  log: string;
  exited: Promise<number | null>;
}

export function spawnWorker(url: string, name: string, lockMs = 3000): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, url, name, String(lockMs)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NTP_THREADS: '1' } });
  const w: WorkerProcess = { name, child, log: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout!.on('data', (d: Buffer) => { w.log += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { w.log += d.toString(); });
  return w;
}

/** Resolves when `pattern` appears in the worker's log (polls; bounded by `timeoutMs`). */
export async function waitForLog(w: WorkerProcess, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(w.log);
    if (m) return m;
    if (w.child.exitCode !== null) throw new Error(`worker ${w.name} exited (${w.child.exitCode}) before logging ${pattern}: ${w.log}`);
    if (Date.now() > deadline) throw new Error(`worker ${w.name} did not log ${pattern} within ${timeoutMs} ms: ${w.log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startWorkers(url: string, names: string[], lockMs = 3000): Promise<WorkerProcess[]> {
  const ws = names.map((n) => spawnWorker(url, n, lockMs));
  await Promise.all(ws.map((w) => waitForLog(w, /ready/)));
  return ws;
}

/** SIGTERM (finish the running shard, exit 0), then waits. */
export async function stopWorkers(ws: WorkerProcess[]): Promise<(number | null)[]> {
  for (const w of ws) if (w.child.exitCode === null) w.child.kill('SIGTERM');
  return Promise.all(ws.map((w) => w.exited));
}

export async function until(what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 60_000, stepMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
