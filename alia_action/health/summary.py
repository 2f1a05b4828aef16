"""A check as people read it: terminal lines, the monitor's one line, the job summary (Markdown + Mermaid).

Untrusted text (command names, Discord's error messages) is escaped for Markdown here; terminal lines
are printed by the caller with ``untrusted=True``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from ..markdown import code, escape, table
from ..redaction import Redact, excerpt
from .chart import ChartPoint, mermaid_xychart, number, sparkline

if TYPE_CHECKING:
    from ..stores.metrics import MetricRecord
    from .check import Check, PostDeploy

CHART_CHECKS = 20
TABLE_CHECKS = 10
ERROR_SHOWN = 200  # characters of a check's error in the table (metrics.log keeps 500)
_ICONS = {"healthy": "✅", "degraded": "⚠️", "unhealthy": "❌"}
_EVENT_ICONS = {"fire": "🔔", "repeat": "🔁", "resolve": "✅"}


def clock(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}Z"


def _ms(value: float | None) -> str:
    return "failed" if value is None else f"{value:.0f} ms"


def _counts(record: MetricRecord) -> str:
    live = "?" if record.live is None else str(record.live)
    return f"{live} live / {record.expected} expected"


def headline(check: Check) -> str:
    record = check.record
    deviation = f" (deviation {record.deviation:.0%})" if record.deviation is not None else ""
    return (
        f"{check.environment} ({check.scope_label}): {check.outcome}: GET {_ms(record.response_time_ms)} "
        f"(threshold {check.threshold_ms:.0f} ms), {_counts(record)}{deviation}"
        + (f", {record.attempts} attempts" if record.attempts > 1 else "")
    )


def _times(history: Sequence[MetricRecord]) -> list[float | None]:
    return [r.response_time_ms for r in history]


def check_lines(check: Check) -> list[str]:
    """The terminal report of one ``health`` run."""
    lines = [headline(check)]
    for reason in check.assessment.reasons:
        mark = "✗" if reason.severity == "unhealthy" else "!"
        lines.append(f"  {mark} {reason.render()}")
        if reason.condition == "drifted" and check.comparison is not None:
            for name in reason.names:
                fields = ", ".join(check.comparison.drift_fields.get(name, ()))
                lines.append(f"      {name}: {fields}")
    lines.append(f"  trend: {check.trend.latency.describe()}; {check.trend.errors.describe()}")
    recent = check.history[-CHART_CHECKS:]
    lines.append(f"  response times of the last {len(recent)} check(s): {sparkline(_times(recent))}")
    lines += [
        f"  warning: guild {s.guild_id} has its own '{s.name}', shadowing the global command" for s in check.shadows
    ]
    lines += [f"  alert {delivery.describe()}" for delivery in check.alerts.sent]
    lines += [f"  warning: {warning}" for warning in check.warnings]
    return lines


def monitor_line(check: Check) -> str:
    """``2025-01-15 10:30:00Z  healthy     12 ms  50 live / 50 expected  ▁▂▁▃`` (+ why, when not healthy)."""
    record = check.record
    why = "; ".join(r.render(limit=3) for r in check.assessment.reasons)
    spark = sparkline(_times(check.history[-CHART_CHECKS:]))
    return (
        f"{clock(record.time)}  {check.outcome:<9}  {_ms(record.response_time_ms):>9}  {_counts(record)}  {spark}"
        + (f"  {why}" if why else "")
    )


def chart(history: Sequence[MetricRecord], threshold_ms: float) -> str:
    points = [ChartPoint(f"{r.time:%H:%M:%S}", r.response_time_ms) for r in history[-CHART_CHECKS:]]
    return mermaid_xychart(points, threshold_ms)


def _names(names: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(code(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def checks_table(history: Sequence[MetricRecord], redact: Redact) -> str:
    rows = [
        [
            clock(r.time),
            f"{_ICONS[r.outcome]} {r.outcome}",
            "failed" if r.response_time_ms is None else f"{number(r.response_time_ms)} ms",
            escape(_counts(r)),
            _names(r.missing, 5),
            _names(r.extra, 5),
            _names(r.drifted, 5),
            escape(excerpt(r.error, ERROR_SHOWN, redact)) if r.error else "",
        ]
        for r in reversed(history[-TABLE_CHECKS:])
    ]
    return table(["Time", "Outcome", "GET", "Commands", "Missing", "Extra", "Drifted", "Error"], rows)


def summary_markdown(check: Check, redact: Redact) -> str:
    """``redact``: the run's registry; a record's error is scrubbed whole before it is shortened."""
    record = check.record
    parts = [f"## Discord commands: health of {check.environment} ({escape(check.scope_label)})"]
    deviation = "unknown" if record.deviation is None else f"{record.deviation:.0%}"
    parts.append(
        f"{_ICONS[check.outcome]} **{check.outcome}** · GET {_ms(record.response_time_ms)} "
        f"(threshold {check.threshold_ms:.0f} ms) · {_counts(record)} · count deviation {deviation} "
        f"(threshold {check.thresholds.count_deviation:.0%})"
    )
    if check.assessment.reasons:
        rows = []
        for reason in check.assessment.reasons:
            finding = reason.render(escape)
            if reason.condition == "drifted" and check.comparison is not None:
                finding += "<br>" + "<br>".join(
                    f"{code(n)}: {escape(', '.join(check.comparison.drift_fields.get(n, ())))}" for n in reason.names
                )
            rows.append([_ICONS[reason.severity], code(reason.condition), finding])
        parts.append(table(["", "Condition", "Finding"], rows))
    parts.append(
        f"### Trend (last {check.trend.checks} checks)\n\n"
        f"- {check.trend.latency.describe()}\n- {check.trend.errors.describe()}"
    )
    history = check.history
    parts.append(chart(history, check.threshold_ms))
    parts.append(f"### Last checks\n\n{checks_table(history, redact)}")
    if check.shadows:
        items = "\n".join(
            f"- guild {code(s.guild_id)}: {code(s.name)} shadows the global command of the same name"
            for s in check.shadows
        )
        parts.append(f"### ⚠️ Guild commands shadowing global ones\n\n{items}")
    if check.alerts.sent:
        items = "\n".join(f"- {_EVENT_ICONS[d.alert.event]} {escape(d.describe())}" for d in check.alerts.sent)
        parts.append(f"### Alerts\n\n{items}")
    if check.warnings:
        parts.append("### Warnings\n\n" + "\n".join(f"- {escape(w)}" for w in check.warnings))
    return "\n\n".join(p for p in parts if p) + "\n"


def post_deploy_markdown(health: PostDeploy) -> str:
    return (
        f"### Post-deploy health\n\n{_ICONS.get(health.outcome, '')} **{health.outcome}** · {health.commands} live / "
        f"{health.commands} expected, nothing missing, extra or drifted · the {health.source} GET took "
        f"{number(health.response_time_ms)} ms (threshold {health.threshold_ms:.0f} ms) · no extra request"
    )
