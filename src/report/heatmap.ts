/**
 * Sweep heatmap as static SVG: one cell per (x, y) parameter pair coloured by the metric.
 * Values that straddle zero use a red-white-green scale centred on 0 (losses red); otherwise a
 * white-to-blue scale over the range. A pair missing from the sweep stays grey.
 */
import { escapeHtml } from './escape.js';
import { formatMetric, metricLabel } from './format.js';
import type { HeatmapSpec } from './types.js';

type Key = number | string;

/** Unique axis values, numbers ascending, strings in first-seen order. */
function axisValues(values: Key[]): Key[] {
  const unique = [...new Set(values)];
  return unique.every((v) => typeof v === 'number') ? (unique as number[]).sort((a, b) => a - b) : unique;
}

function mix(a: number[], b: number[], t: number): string {
  const c = a.map((v, i) => Math.round(v + (b[i] - v) * t));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

const WHITE = [255, 255, 255];
const RED = [198, 40, 40];
const GREEN = [46, 125, 50];
const BLUE = [41, 98, 255];

export function heatmapColour(value: number, lo: number, hi: number): string {
  if (!Number.isFinite(value)) return value > 0 ? mix(WHITE, GREEN, 1) : value < 0 ? mix(WHITE, RED, 1) : '#bdbdbd';
  if (lo < 0 && hi > 0) {
    const span = Math.max(-lo, hi);
    return value >= 0 ? mix(WHITE, GREEN, value / span) : mix(WHITE, RED, -value / span);
  }
  return mix(WHITE, BLUE, hi === lo ? 1 : (value - lo) / (hi - lo));
}

export function heatmapSvg(spec: HeatmapSpec): string {
  const xs = axisValues(spec.cells.map((c) => c.x));
  const ys = axisValues(spec.cells.map((c) => c.y));
  const byPair = new Map(spec.cells.map((c) => [`${typeof c.x}:${c.x}|${typeof c.y}:${c.y}`, c.value]));
  const finite = spec.cells.map((c) => c.value).filter(Number.isFinite);
  const lo = finite.length ? Math.min(...finite) : 0;
  const hi = finite.length ? Math.max(...finite) : 0;
  const cell = { w: 64, h: 30 };
  const left = 70;
  const top = 30;
  const width = left + xs.length * cell.w + 10;
  const height = top + ys.length * cell.h + 44;
  const title = `${metricLabel(spec.metric)} by ${spec.x} × ${spec.y}`;
  const parts = [
    `<svg class="heatmap" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<text class="chart-title" x="${left}" y="16">${escapeHtml(title)}</text>`,
  ];
  ys.forEach((y, row) => {
    // Larger y values at the top, like a chart's y axis.
    const cy = top + (ys.length - 1 - row) * cell.h;
    parts.push(`<text class="tick" x="${left - 6}" y="${cy + cell.h / 2 + 4}" text-anchor="end">${escapeHtml(String(y))}</text>`);
    xs.forEach((x, col) => {
      const value = byPair.get(`${typeof x}:${x}|${typeof y}:${y}`);
      const cx = left + col * cell.w;
      const fill = value === undefined ? '#eeeeee' : heatmapColour(value, lo, hi);
      const raw = value === undefined ? '' : ` data-metric="${escapeHtml(String(value))}"`;
      parts.push(`<g class="cell" data-x="${escapeHtml(String(x))}" data-y="${escapeHtml(String(y))}"${raw}>`);
      parts.push(`<rect x="${cx}" y="${cy}" width="${cell.w - 2}" height="${cell.h - 2}" fill="${fill}"/>`);
      if (value !== undefined) {
        parts.push(`<text class="cell-value" x="${cx + cell.w / 2 - 1}" y="${cy + cell.h / 2 + 3}" text-anchor="middle">${escapeHtml(formatMetric(spec.metric, value))}</text>`);
      }
      parts.push('</g>');
    });
  });
  xs.forEach((x, col) => {
    parts.push(`<text class="tick" x="${left + col * cell.w + cell.w / 2 - 1}" y="${top + ys.length * cell.h + 12}" text-anchor="middle">${escapeHtml(String(x))}</text>`);
  });
  parts.push(`<text class="axis-label" x="${left + (xs.length * cell.w) / 2}" y="${top + ys.length * cell.h + 30}" text-anchor="middle">${escapeHtml(spec.x)}</text>`);
  parts.push(`<text class="axis-label" x="12" y="${top + (ys.length * cell.h) / 2}" transform="rotate(-90 12 ${top + (ys.length * cell.h) / 2})" text-anchor="middle">${escapeHtml(spec.y)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}
