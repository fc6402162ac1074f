/**
 * Functions the browser test runs inside the report page, as plain JavaScript source: the
 * project's TypeScript has no DOM types, and source text is not rewritten by the test's
 * transpiler (which may add helpers the page lacks). Each is `(arg) => result`.
 */

/**
 * Per chart container: pixels that are not transparent or white background, and pixels close
 * to the chart's series colour (arg: { kind: [r, g, b] }).
 */
export const CHART_PIXELS = String.raw`(rgbByKind) => {
  return Array.from(document.querySelectorAll('[data-chart]')).map((el) => {
    const kind = el.dataset.chart;
    const [r, g, b] = rgbByKind[kind];
    let painted = 0;
    let series = 0;
    for (const canvas of el.querySelectorAll('canvas')) {
      if (!canvas.width || !canvas.height) continue;
      const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] === 0 || (px[i] === 255 && px[i + 1] === 255 && px[i + 2] === 255)) continue;
        painted++;
        if (Math.abs(px[i] - r) + Math.abs(px[i + 1] - g) + Math.abs(px[i + 2] - b) < 40) series++;
      }
    }
    return { chart: kind + ' #' + el.dataset.symbolIndex, painted, series };
  });
}`;

/** Trading-metrics cells whose data-metric differs from the page's JSON (non-finite numbers are strings there). */
export const TABLE_VS_JSON = String.raw`() => {
  const json = JSON.parse(document.getElementById('report-data').textContent);
  const cells = Array.from(document.querySelectorAll('#trading-metrics td[data-metric]'));
  const mismatches = [];
  for (const td of cells) {
    const symbol = json.symbols.find((s) => s.symbol === td.dataset.symbol);
    const expected = symbol ? symbol.metrics[td.dataset.key] : undefined;
    if (expected === undefined || Number(td.dataset.metric) !== Number(expected)) {
      mismatches.push(td.dataset.symbol + ' ' + td.dataset.key + ': cell ' + td.dataset.metric + ', JSON ' + String(expected));
    }
  }
  return { count: cells.length, mismatches };
}`;

/** Signs that markup in the data became elements or ran script, and the synthetic banner's text. */
export const INJECTION_STATE = String.raw`() => ({
  images: document.querySelectorAll('img').length,
  pwned: window.__pwned === undefined ? null : window.__pwned,
  banner: (document.getElementById('synthetic-banner') || {}).textContent || '',
})`;

export function probe(source: string, arg?: unknown): string {
  return `(${source})(${arg === undefined ? '' : JSON.stringify(arg)})`;
}
