/**
 * The edge gate of `ntp signals` and `ntp run`: before the model's signals are traded, its
 * validation split is scored against the naive baselines (metrics/forecast-quality.ts,
 * edgeVerdict) at the horizon the signal side comes from. Without an edge the default strategy
 * stays flat (no signals) and says so; `signals.requireEdge: false` trades anyway. The gate sits
 * here, over whole signal arrays, so the per-bar generator stays a pure function of predictions.
 */
import type { PipelineConfig } from '../config/index.js';
import { Dataset } from '../data/dataset.js';
import { loadSeries } from '../data/source.js';
import type { Predictor } from '../inference/predictor.js';
import { edgeVerdict, type EdgeVerdict, type ForecastQuality } from '../metrics/forecast-quality.js';
import { emptySignalArrays, type SignalArrays } from '../signals/index.js';
import { lossOptionsFor } from '../training/model-config.js';
import { evaluateWithBaselines } from './forecast-evaluation.js';

/** The generator's side comes from h1's P(up) (SPEC §8). */
export const SIGNAL_HORIZON = 1;

export interface ValidationEdge {
  verdict: EdgeVerdict;
  quality: ForecastQuality;
  /** Whether the signals are traded: an edge, or the gate switched off. */
  trade: boolean;
}

/** The verdict from a validation evaluation already made, and whether to trade under `signals.requireEdge`. */
export function edgeDecision(quality: ForecastQuality, requireEdge: boolean): ValidationEdge {
  const verdict = edgeVerdict(quality, Math.min(SIGNAL_HORIZON, quality.horizons.length - 1));
  return { verdict, quality, trade: verdict.edge || !requireEdge };
}

/** Scores a trained run's validation split (its own data, date range and split) against the baselines. */
export async function runValidationEdge(predictor: Predictor, config: PipelineConfig): Promise<ValidationEdge> {
  const run = predictor.config;
  const { series } = await loadSeries(run.data, { lookback: predictor.lookback });
  const dataset = new Dataset(series, {
    lookback: predictor.lookback, features: predictor.features, horizons: predictor.horizons,
    fractions: [run.split.train, run.split.val, run.split.test], embargo: run.split.embargo,
    scaler: predictor.scaler, batchSize: run.dataset.batchSize, shuffle: false,
  });
  const { quality } = await evaluateWithBaselines(predictor.model, dataset, 'val', series.map((s) => s.candles), lossOptionsFor(run), config.evaluation);
  return edgeDecision(quality, config.signals.requireEdge);
}

/** The signals to trade: as generated, or flat (no signal on any bar) when the gate closes. */
export function gatedSignals(signals: SignalArrays, edge: ValidationEdge): SignalArrays {
  return edge.trade ? signals : emptySignalArrays(signals.side.length);
}

/** What the CLI says about the gate. */
export function edgeMessage(edge: ValidationEdge): string {
  if (edge.verdict.edge) return `edge check: ${edge.verdict.reason}.`;
  return `edge check: ${edge.verdict.reason}. ` + (edge.trade
    ? 'Trading its signals anyway (signals.requireEdge: false).'
    : 'The strategy stays flat: no signals are issued (set signals.requireEdge: false to trade them anyway).');
}
