/**
 * Every learnable indicator layer (SPEC §5): the six single layers (./indicator-layer.ts) and
 * their concatenation LearnableIndicators (./learnable-indicators.ts). Importing this module
 * registers all of them for tfjs serialization.
 */
export * from './indicator-layer.js';
export * from './learnable-indicators.js';
