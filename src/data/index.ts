/** Data layer (SPEC §3, §4): candles, CSV loading, validation/cleaning, windows, scalers, splits, datasets. */
export * from './candles.js';
export * from './csv.js';
export * from './validate.js';
export * from './clean.js';
export * from './features.js';
export * from './windowing.js';
export * from './scaler.js';
export * from './splits.js';
export * from './dataset.js';
export * from './synthetic.js';
export { Rng } from './random.js';
export { fetchCandles, type FetchCandlesOptions, type FetchProgress } from './ccxt-fetch.js';
export { dataRange, fetchSpan, loadSeries, type LoadedSeries, type LoadSeriesOptions } from './source.js';
export * from './range.js';
