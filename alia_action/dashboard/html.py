"""The dashboard as one self-contained HTML file: Chart.js inlined, no request to any network.

The page allows only its own inline scripts (by hash) and styles: a chart library that tried to fetch
anything would be blocked and reported. A status element (``#dashboard-status``) says how many charts
were drawn and lists any error the page met, so a headless browser can check the page as a person sees it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from datetime import datetime
from importlib import resources
from typing import Any

from .charts import Chart, all_charts
from .figures import Figures
from .views import Listing, Tile, listings, moment, tiles, window_text

CHART_LIBRARY = "chart.umd.min.js"  # Chart.js, vendored from the npm registry (see tools/vendor_chartjs.sh)

# Installed before Chart.js runs, so an error anywhere on the page is counted.
_WATCH = """window.dashboardErrors = [];
(function () {
  var note = function (text) { window.dashboardErrors.push(String(text)); };
  window.addEventListener("error", function (e) { note(e.message || "error"); });
  window.addEventListener("unhandledrejection", function (e) { note(e.reason); });
  document.addEventListener("securitypolicyviolation", function (e) { note("blocked " + e.blockedURI); });
  var original = console.error;
  console.error = function () { note(Array.prototype.join.call(arguments, " ")); original.apply(console, arguments); };
})();"""

_RENDER = """(function () {
  var spec = JSON.parse(document.getElementById("dashboard-data").textContent);
  var status = document.getElementById("dashboard-status");
  var units = {count: "", ms: " ms", s: " s", percent: " %"};
  var drawn = 0;
  function painted(canvas) {
    var g = canvas.getContext("2d");
    var pixels = g.getImageData(0, 0, canvas.width, canvas.height).data;
    for (var i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) { return true; } }
    return false;
  }
  spec.charts.forEach(function (c) {
    try {
      var canvas = document.getElementById("chart-" + c.id);
      var chart = new Chart(canvas, {
        data: {
          labels: c.labels,
          datasets: c.series.map(function (s) {
            return {
              type: s.kind, label: s.label, data: s.values, backgroundColor: s.colour, borderColor: s.colour,
              stack: s.stack || undefined, borderDash: s.target ? [6, 4] : [], pointRadius: s.target ? 0 : 2,
              pointStyle: s.target ? "line" : (s.kind === "line" ? "circle" : "rect"),
              spanGaps: false, borderWidth: s.kind === "line" ? 2 : 0
            };
          })
        },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          plugins: {legend: {position: "bottom", labels: {usePointStyle: true}}},
          scales: {
            x: {stacked: c.stacked},
            y: {stacked: c.stacked, beginAtZero: true, title: {display: c.unit !== "count", text: units[c.unit]},
                ticks: c.unit === "count" ? {precision: 0} : {}}
          }
        }
      });
      if (chart && painted(canvas)) { drawn += 1; canvas.dataset.rendered = "true"; }
      if (chart && c.unit === "count") {  // the y ticks drawn, for the page's own check: counts are whole
        canvas.dataset.ticks = chart.scales.y.ticks.map(function (t) { return t.value; }).join(" ");
      }
    } catch (e) {
      window.dashboardErrors.push(c.id + ": " + e.message);
    }
  });
  status.dataset.charts = String(spec.charts.length);
  status.dataset.rendered = String(drawn);
  status.dataset.errors = String(window.dashboardErrors.length);
  status.textContent = drawn + " of " + spec.charts.length + " charts drawn" +
    (window.dashboardErrors.length ? "; errors: " + window.dashboardErrors.join(" | ") : "");
})();"""

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#c4c9d4}main{padding:20px 28px;max-width:1280px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px;margin-bottom:20px}
.tile{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.tile b{display:block;font-size:22px;margin:2px 0}.tile small{color:#5b6272}
.ok b{color:#2e9d5b}.miss b{color:#d64545}.none b{color:#8a8f98}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
section{background:#fff;border-radius:8px;padding:14px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08);margin-bottom:16px}
section h2{font-size:15px;margin:0 0 8px}.chart{position:relative;height:260px}
.note{color:#5b6272;font-size:12px;margin:6px 0 0}table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e6e8ec}th{color:#5b6272;font-weight:600}
#dashboard-status{display:block;color:#8a8f98;font-size:12px;margin-top:12px}
"""


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def chart_library() -> str:
    text = resources.files("alia_action.dashboard").joinpath("vendor", CHART_LIBRARY).read_text(encoding="utf-8")
    return text.replace(f"//# sourceMappingURL={CHART_LIBRARY}.map", "")  # no map file is shipped to point at


def _script_json(value: Any) -> str:
    """JSON that cannot end its <script> element or open a comment, whatever strings it holds."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _tile(tile: Tile) -> str:
    css = "none" if tile.good is None else ("ok" if tile.good else "miss")
    body = f"<small>{_e(tile.title)}</small><b>{_e(tile.value)}</b><small>{_e(tile.detail)}</small>"
    return f'<div class="tile {css}">{body}</div>'


def _listing(listing: Listing) -> str:
    if not listing.rows:
        body = f'<p class="note">{_e(listing.empty)}</p>'
    else:
        head = "".join(f"<th>{_e(h)}</th>" for h in listing.headers)
        rows = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in listing.rows)
        body = f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    return f"<section><h2>{_e(listing.title)}</h2>{body}</section>"


def _chart_section(chart: Chart) -> str:
    note = f'<p class="note">{_e(chart.note)}</p>' if chart.note else ""
    return (
        f'<section><h2>{_e(chart.title)}</h2><div class="chart"><canvas id="chart-{_e(chart.id)}" '
        f'role="img" aria-label="{_e(chart.title)}"></canvas></div>{note}</section>'
    )


def _chart_spec(chart: Chart) -> dict[str, Any]:
    return {
        "id": chart.id,
        "labels": list(chart.labels),
        "unit": chart.unit,
        "stacked": chart.stacked,
        "series": [
            {
                "label": s.label,
                "values": list(s.values),
                "kind": s.kind,
                "colour": s.colour,
                "stack": s.stack,
                "target": s.target,
            }
            for s in chart.series
        ],
    }


def render_html(figures: Figures, *, generated_at: datetime, title: str = "command-deploy dashboard") -> str:
    charts = all_charts(figures)
    data = _script_json({"charts": [_chart_spec(c) for c in charts]})
    library = chart_library()
    csp = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src {_csp_hash(_WATCH)} {_csp_hash(library)} {_csp_hash(_RENDER)}"
    )
    window = window_text(figures)
    sources = " · ".join(f"{k}: {v}" for k, v in figures.sources.items())
    sections = "".join(_chart_section(c) for c in charts)
    listed = "".join(_listing(listing) for listing in listings(figures))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title><style>{_STYLE}</style>
<script>{_WATCH}</script>
<script>{library}</script>
</head><body>
<header><h1>{_e(title)}</h1><p>{_e(window)} · generated {_e(moment(generated_at))}</p></header>
<main>
<div class="tiles">{"".join(_tile(t) for t in tiles(figures))}</div>
<div class="grid">{sections}</div>
{listed}
<p class="note">{_e(sources)}</p>
<output id="dashboard-status" data-charts="{len(charts)}" data-rendered="0" data-errors="0">charts not drawn \
(scripts did not run)</output>
</main>
<script type="application/json" id="dashboard-data">{data}</script>
<script>{_RENDER}</script>
</body></html>
"""
