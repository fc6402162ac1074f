/**
 * Picks the tfjs backend (SPEC §2): `@tensorflow/tfjs-node-gpu` if it loads, else
 * `@tensorflow/tfjs-node`, else `@tensorflow/tfjs` on its `cpu` backend (where the addon's
 * native kernels are registered over the hot tfjs kernels). The two tfjs-node packages are
 * optional: their install downloads libtensorflow and fails offline, leaving them absent or
 * unloadable, which is an expected state, not an error.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

export type BackendChoice = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'cpu'];

export interface BackendReport {
  /** tfjs backend name in use: 'tensorflow' (tfjs-node / tfjs-node-gpu) or 'cpu'. */
  backend: string;
  /** npm package providing it. */
  package: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node' | '@tensorflow/tfjs';
  /** Why each better candidate was not used. */
  skipped: { package: string; reason: string }[];
}

const require = createRequire(import.meta.url);
let current: BackendReport | undefined;

/**
 * Why `pkg` cannot be used, or null when it loaded. The package's native binding is looked for
 * first: requiring a tfjs-node whose libtensorflow download failed registers hundreds of
 * kernels (noisily) before it throws, so an absent binding is reported without loading it.
 */
function tryLoad(pkg: string): string | null {
  let dir: string;
  try {
    dir = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return 'not installed';
  }
  const lib = join(dir, 'lib');
  const hasBinding = existsSync(lib)
    && readdirSync(lib).some((d) => existsSync(join(lib, d, 'tfjs_binding.node')));
  if (!hasBinding) return 'installed without its native binding (libtensorflow download failed or skipped)';
  try {
    require(pkg);
    return null;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    return msg;
  }
}

/**
 * Loads and activates the backend once per process; later calls return the same report
 * (a different explicit choice after the first is an error, since tfjs state would mix).
 */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendReport> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new RangeError(`runtime.backend must be one of ${BACKEND_CHOICES.join(', ')} (got ${JSON.stringify(choice)})`);
  }
  if (current) {
    const matches = choice === 'auto' || (choice === 'cpu' ? current.backend === 'cpu'
      : current.package === (choice === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node'));
    if (!matches) throw new Error(`tfjs backend already initialised as ${current.package}; cannot switch to ${choice} in the same process`);
    return current;
  }
  const skipped: BackendReport['skipped'] = [];
  const candidates: { pkg: BackendReport['package']; when: BackendChoice[] }[] = [
    { pkg: '@tensorflow/tfjs-node-gpu', when: ['auto', 'tensorflow-gpu'] },
    { pkg: '@tensorflow/tfjs-node', when: ['auto', 'tensorflow'] },
  ];
  for (const c of candidates) {
    if (!c.when.includes(choice)) continue;
    const err = tryLoad(c.pkg);
    if (err === null && tf.findBackend('tensorflow')) {
      await tf.setBackend('tensorflow');
      await tf.ready();
      current = { backend: 'tensorflow', package: c.pkg, skipped };
      return current;
    }
    skipped.push({ package: c.pkg, reason: err ?? 'loaded but registered no tensorflow backend' });
    if (choice !== 'auto') throw new Error(`runtime.backend=${choice} requested but ${c.pkg} is unavailable: ${skipped.at(-1)!.reason}`);
  }
  // tfjs-backend-cpu prints an install hint for tfjs-node on first use unless PROD is set;
  // the reasons the native packages were skipped are reported in `skipped` instead.
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  await tf.ready();
  current = { backend: 'cpu', package: '@tensorflow/tfjs', skipped };
  return current;
}

/** The active backend report, initialising with 'auto' when nobody chose yet. */
export async function backendReport(): Promise<BackendReport> {
  return current ?? initBackend('auto');
}
