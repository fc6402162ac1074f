/** Learnable (SPEC §5) and plain indicators over the native recurrence kernels. */
export * from './ops.js';
export * from './layers.js';
export * from './registry.js';
export { ClipPeriods, FixedValues } from './constraints.js';
export { indicatorAddon } from './native.js';
export * from './plain.js';
