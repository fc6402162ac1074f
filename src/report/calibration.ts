/**
 * Calibration views of the P(up) head: the expected calibration error of reliability bins and
 * a reliability diagram (observed frequency against mean predicted probability).
 */
import { lineChartSvg } from './svg-chart.js';
import type { HorizonMetrics, ReportReliabilityBin } from './types.js';

/** Count-weighted mean |observed - meanPredicted| over the non-empty bins; NaN when all are empty. */
export function expectedCalibrationError(bins: ReportReliabilityBin[]): number {
  let total = 0;
  let sum = 0;
  for (const b of bins) {
    if (b.count <= 0 || b.meanPredicted === null || b.observed === null) continue;
    total += b.count;
    sum += b.count * Math.abs(b.observed - b.meanPredicted);
  }
  return total > 0 ? sum / total : NaN;
}

const filled = (bins: ReportReliabilityBin[]) => bins.filter((b) => b.count > 0 && b.meanPredicted !== null && b.observed !== null);

/** Observed against predicted; with uncalibrated bins, both: before and after calibration. */
export function reliabilitySvg(h: HorizonMetrics & { reliability: ReportReliabilityBin[] }): string {
  const bins = filled(h.reliability);
  const before = h.reliabilityUncalibrated ? filled(h.reliabilityUncalibrated) : null;
  return lineChartSvg({
    title: `P(up) reliability, ${h.horizon}`,
    xLabel: 'mean predicted P(up)',
    xDomain: [0, 1],
    yDomain: [0, 1],
    width: 300,
    height: 260,
    series: [
      { name: 'calibrated', x: [0, 1], y: [0, 1], dashed: true },
      ...(before ? [{ name: 'before calibration', x: before.map((b) => b.meanPredicted as number), y: before.map((b) => b.observed as number), dots: true }] : []),
      { name: before ? 'after calibration' : 'observed', x: bins.map((b) => b.meanPredicted as number), y: bins.map((b) => b.observed as number), dots: true },
    ],
  });
}
