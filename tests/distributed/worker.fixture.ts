/**
 * A worker process for the tests: the `ntp worker` command's own handler, without loading every
 * other command (whose imports cost seconds per process on a busy 2-core machine).
 *   node --import tsx tests/distributed/worker.fixture.ts URL NAME LOCK_MS
 */
import worker from '../../src/cli/commands/worker.js';
import { processIo } from '../../src/cli/io.js';
import { resolveConfig } from '../../src/config/index.js';

const [url, name, lockMs] = process.argv.slice(2);
const config = resolveConfig({ set: [`runtime.queue.lockMs=${lockMs}`] });
process.exitCode = await worker.run({ set: [], json: false, queue: url, name, concurrency: 1, threads: 1 }, config, processIo);
