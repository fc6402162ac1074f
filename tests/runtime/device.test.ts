/**
 * Choosing the device (runtime.device, --device): `cuda` without a usable GPU is an error that
 * says why (exit 1), `auto` says what it chose. Each branch depends on the machine: where a GPU
 * answers (bench/gpu/run.sh), the same tests check that it is used.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { captureIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { cudaUnavailableReason } from '../../src/runtime/ntp-backend/index.js';

const reason = cudaUnavailableReason();
const dir = mkdtempSync(join(tmpdir(), 'ntp-device-'));
const TINY = ['--set', 'windows.lookback=24', '--set', 'training.epochs=1', '--set', 'model.transformer.dModel=8', '--set', 'model.transformer.ffnDim=8',
  '--set', 'model.transformer.heads=1', '--set', 'model.transformer.blocks=1', '--set', 'model.lstm.units=4', '--set', 'model.indicators.hidden=[4]',
  '--set', 'data.synthetic.bars=300', '--set', 'data.source=synthetic'];

async function ntp(...argv: string[]) {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

test.serial('train --device cuda: exit 1 naming why without a GPU, the GPU with one', async (t) => {
  const r = await ntp('train', join(dir, 'cuda'), '--device', 'cuda', ...TINY);
  if (reason !== null) {
    t.is(r.code, 1, r.err);
    t.true(r.err.includes(`runtime.device is cuda but no CUDA device is usable: ${reason}`), r.err);
  } else {
    t.is(r.code, 0, r.err);
    t.regex(r.err, /device: cuda \(.*ntp backend\)/);
  }
});

test.serial('--device takes auto, cpu or cuda only (exit 2)', async (t) => {
  const r = await ntp('predict', '--device', 'gpu');
  t.is(r.code, 2);
  t.regex(r.err, /Argument: device, Given: "gpu", Choices: "auto", "cpu", "cuda"/);
});

test.serial('doctor reports where the model runs and the ntp allocators', async (t) => {
  const r = await ntp('doctor', '--json');
  t.is(r.code, 0, r.err);
  const report = JSON.parse(r.out) as { model: { device: string; allocators: { device: string; memory: { inUse: number } }[] } };
  t.regex(report.model.device, reason === null ? /^device: cuda/ : /^device: cpu \(.*auto: no usable CUDA device/);
  t.true(report.model.allocators.some((a) => a.device === 'host' && typeof a.memory.inUse === 'number'));
});
