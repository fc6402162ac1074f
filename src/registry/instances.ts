/**
 * The shared registries. Their value types belong to the domains that fill them (indicators,
 * losses, metrics sit downstream of this module), so each domain declares its type by module
 * augmentation, as with NativeAddon:
 *   declare module '../registry/instances.js' { interface RegistryTypes { loss: LossFn } }
 * Until a domain does, its registry holds `unknown`.
 */
import { Registry } from './registry.js';

export interface RegistryTypes {}

type EntryOf<K extends string> = K extends keyof RegistryTypes ? RegistryTypes[K] : unknown;

export const indicatorRegistry = new Registry<EntryOf<'indicator'>>('indicator');
export const lossRegistry = new Registry<EntryOf<'loss'>>('loss');
export const metricRegistry = new Registry<EntryOf<'metric'>>('metric');
