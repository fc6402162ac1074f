export { Registry } from './registry.js';
export { indicatorRegistry, lossRegistry, metricRegistry, type RegistryTypes } from './instances.js';
