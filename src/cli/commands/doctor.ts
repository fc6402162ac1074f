/** `ntp doctor`: what this installation runs on (SPEC §2): versions, tfjs backend, native addon, CUDA. */
import { nativeAddonStatus, tryNativeAddon } from '../../native/addon.js';
import type { PipelineConfig } from '../../config/index.js';
import type { DeviceInfo } from '../../native/types.js';
import type { DeviceMemory } from '../../runtime/ntp-backend/backend.js';
import { EXIT, emit, type CommandSpec } from '../command.js';
import { packageVersion } from '../package-info.js';

export interface DoctorReport {
  version: string;
  node: string;
  platform: string;
  backend: { name: string | null; package: string | null; skipped: { package: string; reason: string }[]; error: string | null };
  addon: { loaded: boolean; path: string | null; error: string | null };
  device: DeviceInfo | null;
  /** Where `runtime.device` puts the model here, and the ntp backend's allocator per device. */
  model: { device: string | null; error: string | null; allocators: { device: string; memory: DeviceMemory }[] };
}

async function modelDevice(runtime: PipelineConfig['runtime']): Promise<DoctorReport['model']> {
  const { initDevice } = await import('../../runtime/device.js');
  const { cudaUnavailableReason } = await import('../../runtime/ntp-backend/index.js');
  const allocators: DoctorReport['model']['allocators'] = [];
  const addon = tryNativeAddon();
  if (addon) {
    const devices = cudaUnavailableReason() === null ? ['host', 'cuda'] as const : ['host'] as const;
    for (const d of devices) allocators.push({ device: d, memory: addon.tensorMemory({ device: d }) });
  }
  try {
    return { device: (await initDevice(runtime)).summary, error: null, allocators };
  } catch (e) {
    return { device: null, error: (e as Error).message, allocators };
  }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function backendStatus(choice: Parameters<typeof import('../../runtime/backend.js').initBackend>[0]): Promise<DoctorReport['backend']> {
  try {
    // Imported here, not at the top, so that commands other than doctor do not pay for loading tfjs.
    const { initBackend } = await import('../../runtime/backend.js');
    const r = await initBackend(choice);
    return { name: r.backend, package: r.package, skipped: r.skipped, error: null };
  } catch (e) {
    return { name: null, package: null, skipped: [], error: (e as Error).message };
  }
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

function humanReport(r: DoctorReport): string {
  const rows: [string, string][] = [
    ['ntp', r.version],
    ['node', `${r.node} (${r.platform})`],
    ['tfjs backend', r.backend.error ?? `${r.backend.name} (${r.backend.package})`],
    ...r.backend.skipped.map((s): [string, string] => ['  skipped', `${s.package}: ${s.reason.trim()}`]),
    ['native addon', r.addon.loaded ? `loaded (${r.addon.path})` : `not loaded: ${r.addon.error}`],
  ];
  if (r.device) {
    const d = r.device;
    rows.push(
      ['threads', String(d.threads)],
      ['cpu SIMD', d.cpuSimd],
      ['compiled SIMD', d.compiledSimd],
      ['CUDA compiled', yesNo(d.cudaCompiled)],
      ['CUDA', d.cuda ? `yes (${d.cudaDeviceCount} device${d.cudaDeviceCount === 1 ? '' : 's'})` : `no${d.cudaError ? ` (${d.cudaError})` : ''}`],
      ['CUDA device', d.cudaDevice ? `${d.cudaDevice}${d.cudaMemory ? ` (${mib(d.cudaMemory)})` : ''}` : '-'],
    );
  }
  rows.push(['model device', r.model.error ?? r.model.device ?? '-']);
  for (const a of r.model.allocators) {
    const m = a.memory;
    rows.push([`  ${a.device} allocator`, `${mib(m.inUse)} in use, ${mib(m.cached)} cached, ${mib(m.peak)} peak (${m.buffers} buffers)`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${k.padEnd(width)}${v}`).join('\n');
}

const doctor: CommandSpec = {
  name: 'doctor',
  describe: 'Report versions, the tfjs backend, the native addon and the CUDA device',
  run: async (args, config, io) => {
    const addon = nativeAddonStatus();
    const report: DoctorReport = {
      version: packageVersion(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      backend: await backendStatus(config.runtime.backend),
      addon,
      device: tryNativeAddon()?.deviceInfo() ?? null,
      model: await modelDevice(config.runtime),
    };
    emit(args, io, humanReport(report), report);
    // A missing addon or an unusable forced backend is a broken installation, not a report detail.
    return addon.loaded && report.backend.error === null && report.model.error === null ? EXIT.ok : EXIT.failure;
  },
};

export default doctor;
