/** The page's stylesheet, inlined so the report needs no other file. */
export const REPORT_CSS = `
*{box-sizing:border-box}
body{margin:0;padding:16px 24px 40px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fafafa}
header h1{margin:0 0 4px;font-size:22px}
.meta{color:#57606a;margin:2px 0}
.synthetic-banner{margin:12px 0;padding:10px 14px;border:2px solid #c62828;background:#ffebee;color:#b71c1c;font-weight:700;font-size:16px;border-radius:4px}
.warning{color:#b71c1c;font-weight:700}
section{margin-top:24px;padding:12px 16px;background:#fff;border:1px solid #d0d7de;border-radius:6px}
h2{margin:0 0 10px;font-size:18px}
h3{margin:12px 0 6px;font-size:15px;color:#424a53}
.side-by-side{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
table.metrics{border-collapse:collapse;font-variant-numeric:tabular-nums}
table.metrics th,table.metrics td{padding:3px 10px;border-bottom:1px solid #eaeef2;text-align:left}
table.metrics td.num{text-align:right}
table.metrics thead th{background:#f6f8fa;font-weight:600}
table.metrics th.rank-by{background:#dbe9ff}
table.metrics tr.best td{background:#e6f4ea}
table.metrics tr.difference td{background:#f6f8fa;font-weight:600}
td.missing{color:#8c959f;text-align:center}
.chart{width:100%;height:380px;margin-bottom:8px}
.chart.small{height:200px}
.svg-row{display:flex;flex-wrap:wrap;gap:12px}
svg{background:#fff}
svg .plot{fill:#fff;stroke:#d0d7de}
svg .grid{stroke:#eaeef2}
svg .tick,svg .legend{font-size:10px;fill:#57606a}
svg .axis-label{font-size:11px;fill:#424a53}
svg .chart-title{font-size:12px;font-weight:600;fill:#1f2328}
svg .cell-value{font-size:10px;fill:#1f2328}
footer{margin-top:24px;color:#8c959f;font-size:12px}
`;
