/**
 * The page's own script (plain ES2017, inlined after the lightweight-charts build): reads the
 * report JSON and draws, per symbol, the candlestick chart with trade and tier-fill markers, the
 * equity curve and the drawdown derived from it. Sets body[data-charts-ready] once the charts
 * have had frames to paint, so a headless browser knows when to look.
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var LC = window.LightweightCharts;
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var UP = '#26a69a';
  var DOWN = '#ef5350';

  // The charts take UTC seconds; the report holds milliseconds.
  function sec(ms) { return Math.floor(ms / 1000); }

  function newChart(el) {
    return LC.createChart(el, {
      autoSize: true,
      layout: { background: { type: 'solid', color: '#ffffff' }, textColor: '#333333', fontSize: 11 },
      grid: { vertLines: { color: '#f0f0f0' }, horzLines: { color: '#f0f0f0' } },
      timeScale: { timeVisible: true, secondsVisible: false },
    });
  }

  function tradeMarkers(trades) {
    var out = [];
    trades.forEach(function (t, i) {
      var long = t.side === 1;
      out.push({ time: sec(t.entryTime), position: long ? 'belowBar' : 'aboveBar', shape: long ? 'arrowUp' : 'arrowDown',
        color: long ? UP : DOWN, text: (long ? 'long #' : 'short #') + (i + 1) });
      t.tierFills.forEach(function (f) {
        out.push({ time: sec(f.time), position: 'atPriceMiddle', price: f.price, shape: 'circle', color: '#ff9800', text: 'T' + f.tier });
      });
      out.push({ time: sec(t.exitTime), position: long ? 'aboveBar' : 'belowBar', shape: 'square',
        color: t.pnl >= 0 ? '#2e7d32' : '#c62828', text: 'exit ' + t.reason });
    });
    // The markers plugin expects time order.
    return out.sort(function (a, b) { return a.time - b.time; });
  }

  function drawCandles(el, s) {
    var c = s.candles;
    var chart = newChart(el);
    var series = chart.addSeries(LC.CandlestickSeries, { upColor: UP, downColor: DOWN, borderVisible: false, wickUpColor: UP, wickDownColor: DOWN });
    series.setData(c.time.map(function (t, i) {
      return { time: sec(t), open: c.open[i], high: c.high[i], low: c.low[i], close: c.close[i] };
    }));
    if (s.trades && s.trades.length) LC.createSeriesMarkers(series, tradeMarkers(s.trades));
    chart.timeScale().fitContent();
  }

  function drawEquity(el, s) {
    var e = s.equity;
    var chart = newChart(el);
    var series = chart.addSeries(LC.LineSeries, { color: '#2962ff', lineWidth: 2 });
    series.setData(e.time.map(function (t, i) { return { time: sec(t), value: e.equity[i] }; }));
    chart.timeScale().fitContent();
  }

  // Drawdown in percent below the running peak of equity (0 at a new high).
  function drawDrawdown(el, s) {
    var e = s.equity;
    var peak = -Infinity;
    var points = e.time.map(function (t, i) {
      peak = Math.max(peak, e.equity[i]);
      return { time: sec(t), value: peak > 0 ? (e.equity[i] / peak - 1) * 100 : 0 };
    });
    var chart = newChart(el);
    var series = chart.addSeries(LC.AreaSeries, {
      lineColor: '#c62828', topColor: 'rgba(198,40,40,0.05)', bottomColor: 'rgba(198,40,40,0.35)', invertFilledArea: true,
      priceFormat: { type: 'percent', precision: 2 },
    });
    series.setData(points);
    chart.timeScale().fitContent();
  }

  var draw = { candles: drawCandles, equity: drawEquity, drawdown: drawDrawdown };
  document.querySelectorAll('[data-chart]').forEach(function (el) {
    draw[el.getAttribute('data-chart')](el, data.symbols[Number(el.getAttribute('data-symbol-index'))]);
  });
  requestAnimationFrame(function () {
    requestAnimationFrame(function () { document.body.setAttribute('data-charts-ready', 'true'); });
  });
})();
`;
