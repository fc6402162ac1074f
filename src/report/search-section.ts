/**
 * The search sections: the trials table, the objective against each parameter (scatter), the
 * best-so-far curve, complete vs pruned counts, and the overfitting statistics (DSR, PBO),
 * which sweeps show too.
 */
import { escapeHtml } from './escape.js';
import { formatNumber } from './format.js';
import { lineChartSvg } from './svg-chart.js';
import type { OverfittingReport, SearchReport } from './types.js';

function cell(v: number | string | boolean | null | undefined, key: string): string {
  if (v === null || v === undefined) return '<td class="missing">-</td>';
  if (typeof v === 'number') return `<td class="num" data-key="${escapeHtml(key)}" data-metric="${escapeHtml(String(v))}">${escapeHtml(formatNumber(v, Number.isInteger(v) ? 0 : 4))}</td>`;
  return `<td data-key="${escapeHtml(key)}">${escapeHtml(String(v))}</td>`;
}

function trialsTable(s: SearchReport): string {
  const head = ['trial', 'state', s.objective, ...s.params, 'epochs', 'seconds'].map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('');
  const rows = s.trials.map((t) => {
    const best = t.number === s.best ? ' class="best"' : '';
    return `<tr${best} data-trial="${t.number}" data-state="${escapeHtml(t.state)}"><td>${t.number}${t.number === s.best ? ' (chosen)' : ''}</td><td>${escapeHtml(t.state)}</td>`
      + cell(t.value, 'value') + s.params.map((p) => cell(t.params[p], p)).join('') + cell(t.steps, 'steps') + cell(t.seconds, 'seconds') + '</tr>';
  });
  return `<table class="metrics" id="search-trials"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function scatters(s: SearchReport): string {
  const scored = s.trials.filter((t) => t.value !== null && Number.isFinite(t.value));
  return s.params.map((p) => {
    const points = scored.filter((t) => t.params[p] !== undefined);
    const values = points.map((t) => t.params[p]);
    const numeric = values.every((v) => typeof v === 'number');
    // Categories go on the axis by their index in order of first appearance.
    const cats = numeric ? [] : [...new Set(values.map(String))];
    const x = (v: number | string | boolean) => (numeric ? (v as number) : cats.indexOf(String(v)));
    const series = ['complete', 'pruned'].map((state) => {
      const pts = points.filter((t) => t.state === state);
      return { name: state, x: pts.map((t) => x(t.params[p])), y: pts.map((t) => t.value!), line: false };
    });
    const label = numeric ? p : `${p} (${cats.map((c, i) => `${i}=${c}`).join(', ')})`;
    return lineChartSvg({ title: `${s.objective} vs ${p}`, xLabel: label, series, width: 420, height: 260 });
  }).join('');
}

function bestSoFar(s: SearchReport): string {
  const sorted = [...s.trials].sort((a, b) => a.number - b.number);
  let best = NaN;
  const y = sorted.map((t) => {
    if (t.state === 'complete' && t.value !== null && Number.isFinite(t.value)) {
      best = Number.isNaN(best) ? t.value : s.direction === 'max' ? Math.max(best, t.value) : Math.min(best, t.value);
    }
    return best;
  });
  return lineChartSvg({ title: `Best ${s.objective} so far`, xLabel: 'trial', series: [{ name: 'best so far', x: sorted.map((t) => t.number), y, dots: true }], width: 420, height: 260 });
}

export function searchSection(s: SearchReport): string {
  const count = (state: string) => s.trials.filter((t) => t.state === state).length;
  const counts = `${s.trials.length} trials: <span id="search-complete">${count('complete')}</span> complete, <span id="search-pruned">${count('pruned')}</span> pruned, ${count('failed')} failed`;
  const test = s.test
    ? `<h3>Chosen trial on the untouched test split (evaluated once)</h3><table class="metrics" id="search-test"><tbody>${Object.entries(s.test)
      .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th>${cell(v, k)}</tr>`).join('')}</tbody></table>` : '';
  return `<section id="search"><h2>Hyperparameter search: ${escapeHtml(s.objective)} (${s.direction})</h2>`
    + `<p class="meta">Sampler ${escapeHtml(s.sampler)}, pruner ${escapeHtml(s.pruner)}. ${counts}.</p>`
    + `<p id="search-selection">${escapeHtml(s.selection)}</p>${test}`
    + `<div class="svg-row">${bestSoFar(s)}${scatters(s)}</div><h3>Trials</h3>${trialsTable(s)}</section>`;
}

export function overfittingSection(o: OverfittingReport): string {
  const rows: [string, number | null, string][] = [
    ['trials', o.trials, 'parameter sets tried'],
    ['sharpe (per bar)', o.sharpe, 'of the best result'],
    ['observations', o.observations, 'bars in its track record'],
    ['skew', o.skew, ''],
    ['kurtosis', o.kurtosis, '3 for normal returns'],
    ['expected max sharpe', o.expectedMaxSharpe, 'best of the trials by luck alone (per bar)'],
    ['deflated sharpe ratio', o.dsr, 'P(true Sharpe above that); 0.95 or more reads as skill'],
    ['PBO', o.pbo, `probability of backtest overfitting (CSCV, ${o.pboCombinations} splits over ${o.pboTrials} trials)`],
  ];
  return `<section id="overfitting"><h2>Is the best result luck?</h2><p id="overfitting-verdict"><strong>${escapeHtml(o.verdict)}</strong></p>`
    + `<table class="metrics" id="overfitting-table"><tbody>${rows.map(([k, v, note]) => `<tr><th scope="row">${escapeHtml(k)}</th>${cell(v, k)}<td>${escapeHtml(note)}</td></tr>`).join('')}</tbody></table></section>`;
}
