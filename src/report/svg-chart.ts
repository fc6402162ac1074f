/**
 * Small static SVG line charts (training curves, learned periods, reliability diagrams). Drawn
 * at render time so they need no script and show even with JavaScript off.
 */
import { escapeHtml } from './escape.js';
import { formatNumber } from './format.js';

export const PALETTE = ['#2962ff', '#ef6c00', '#2e7d32', '#c62828', '#6a1b9a', '#00838f', '#ad1457', '#5d4037'];

export interface LineSeries {
  name: string;
  x: number[];
  /** Non-finite values leave a gap in the line. */
  y: number[];
  dashed?: boolean;
  /** Draw a dot at each point. */
  dots?: boolean;
  /** false: dots only, no connecting line (a scatter plot). */
  line?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  series: LineSeries[];
  /** Fixed axis ranges; default: the data's range. */
  xDomain?: [number, number];
  yDomain?: [number, number];
  width?: number;
  height?: number;
}

const MARGIN = { left: 56, right: 12, top: 28, bottom: 52 };

function extent(values: number[], fallback: [number, number]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return fallback;
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  return [lo, hi];
}

function ticks([lo, hi]: [number, number], count: number): number[] {
  return Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));
}

/** x ticks; whole numbers only when every x is one (epochs), so no "epoch 3.75". */
function xTicks(domain: [number, number], series: LineSeries[]): number[] {
  const even = ticks(domain, 5);
  if (!series.every((s) => s.x.every(Number.isInteger))) return even;
  return [...new Set(even.map(Math.round))];
}

/** SVG path data for one series; a non-finite y starts a new segment. */
function pathData(s: LineSeries, px: (x: number) => number, py: (y: number) => number): string {
  let d = '';
  let pen = false;
  s.x.forEach((x, i) => {
    const y = s.y[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`;
    pen = true;
  });
  return d;
}

export function lineChartSvg(o: LineChartOptions): string {
  const width = o.width ?? 560;
  const height = o.height ?? 260;
  const xd = o.xDomain ?? extent(o.series.flatMap((s) => s.x), [0, 1]);
  const yd = o.yDomain ?? extent(o.series.flatMap((s) => s.y), [0, 1]);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const px = (x: number) => MARGIN.left + ((x - xd[0]) / (xd[1] - xd[0])) * plotW;
  const py = (y: number) => MARGIN.top + plotH - ((y - yd[0]) / (yd[1] - yd[0])) * plotH;
  const parts: string[] = [
    `<svg class="line-chart" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">`,
    `<title>${escapeHtml(o.title)}</title>`,
    `<text class="chart-title" x="${MARGIN.left}" y="16">${escapeHtml(o.title)}</text>`,
    `<rect class="plot" x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}"/>`,
  ];
  for (const y of ticks(yd, 5)) {
    parts.push(`<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${py(y).toFixed(1)}" y2="${py(y).toFixed(1)}"/>`);
    parts.push(`<text class="tick" x="${MARGIN.left - 4}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">${formatNumber(y, 3)}</text>`);
  }
  for (const x of xTicks(xd, o.series)) {
    parts.push(`<text class="tick" x="${px(x).toFixed(1)}" y="${MARGIN.top + plotH + 14}" text-anchor="middle">${formatNumber(x, Number.isInteger(x) ? 0 : 2)}</text>`);
  }
  parts.push(`<text class="axis-label" x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH + 28}" text-anchor="middle">${escapeHtml(o.xLabel)}</text>`);
  o.series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const dash = s.dashed ? ' stroke-dasharray="4 3"' : '';
    if (s.line !== false) parts.push(`<path class="series" data-series="${escapeHtml(s.name)}" d="${pathData(s, px, py)}" stroke="${colour}" fill="none" stroke-width="1.8"${dash}/>`);
    if (s.dots || s.line === false) {
      s.x.forEach((x, j) => {
        if (Number.isFinite(x) && Number.isFinite(s.y[j])) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(s.y[j]).toFixed(1)}" r="3" fill="${colour}"/>`);
      });
    }
    // Legend under the axis label, left to right.
    const lx = MARGIN.left + i * 130;
    parts.push(`<rect x="${lx}" y="${height - 14}" width="10" height="10" fill="${colour}"/>`);
    parts.push(`<text class="legend" x="${lx + 14}" y="${height - 5}">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
