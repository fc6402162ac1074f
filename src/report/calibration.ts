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

export function reliabilitySvg(h: HorizonMetrics & { reliability: ReportReliabilityBin[] }): string {
  const bins = h.reliability.filter((b) => b.count > 0 && b.meanPredicted !== null && b.observed !== null);
  return lineChartSvg({
    title: `P(up) reliability, ${h.horizon}`,
    xLabel: 'mean predicted P(up)',
    xDomain: [0, 1],
    yDomain: [0, 1],
    width: 300,
    height: 260,
    series: [
      { name: 'calibrated', x: [0, 1], y: [0, 1], dashed: true },
      { name: 'observed', x: bins.map((b) => b.meanPredicted as number), y: bins.map((b) => b.observed as number), dots: true },
    ],
  });
}
