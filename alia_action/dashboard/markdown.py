"""The dashboard for a job summary: the same figures as the HTML, charts as Mermaid ``xychart-beta`` blocks.

GitHub renders Mermaid in job summaries; it draws bars and lines, not stacks, so stacked charts become one
bar per series. Untrusted text (alert messages, commit ids from the record) is escaped.
"""

from __future__ import annotations

import math
from datetime import datetime

from ..health.chart import number
from ..markdown import escape, mermaid_label, table
from .charts import Chart, all_charts
from .figures import Figures
from .views import Listing, listings, moment, tiles, window_text

ICONS = {True: "✅", False: "❌", None: "➖"}
MAX_ROWS = 20  # per listing in a summary; the HTML lists them all


def _top(values: list[float]) -> float:
    top = max([*values, 1.0]) * 1.1
    step = 10 ** max(0, math.floor(math.log10(top)) - 1)
    return float(math.ceil(top / step) * step)


def mermaid(chart: Chart) -> str:
    if not chart.labels:
        return f"_{escape(chart.title)}: no data in the window._"
    values = [v for s in chart.series for v in s.values if v is not None]
    lines = [
        "```mermaid",
        "xychart-beta",
        f"    title {mermaid_label(chart.title)}",
        f"    x-axis [{', '.join(mermaid_label(label) for label in chart.labels)}]",
        f"    y-axis {mermaid_label(chart.unit)} 0 --> {number(_top(values))}",
    ]
    for series in chart.series:
        # Mermaid has no gaps: a day without data is drawn at 0 (the tables say which days had none).
        points = ", ".join(number(v if v is not None else 0.0) for v in series.values)
        lines.append(f"    {series.kind} [{points}]")
    lines.append("```")
    legend = " · ".join(f"{s.kind} {i + 1}: {escape(s.label)}" for i, s in enumerate(chart.series))
    return "\n".join(lines) + f"\n\n<sub>{legend}</sub>"


def _listing(listing: Listing) -> str:
    if not listing.rows:
        return f"### {listing.title}\n\n{escape(listing.empty)}\n"
    rows = [[escape(c) for c in row] for row in listing.rows[-MAX_ROWS:]]
    more = len(listing.rows) - len(rows)
    tail = f"\n\n_{more} earlier row(s) in the HTML dashboard._" if more > 0 else ""
    return f"### {listing.title}\n\n{table(list(listing.headers), rows)}{tail}\n"


def render_markdown(figures: Figures, *, generated_at: datetime, title: str = "command-deploy dashboard") -> str:
    headline = table(
        ["", "figure", "value", "against"],
        [[ICONS[t.good], escape(t.title), escape(t.value), escape(t.detail)] for t in tiles(figures)],
    )
    charts = "\n\n".join(f"### {c.title}\n\n{mermaid(c)}" for c in all_charts(figures))
    listed = "\n".join(_listing(listing) for listing in listings(figures))
    return (
        f"## {title}\n\n{escape(window_text(figures))} · generated {moment(generated_at)}\n\n"
        f"{headline}\n\n{charts}\n\n{listed}"
    )
