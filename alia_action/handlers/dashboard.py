"""``dashboard``: the original system's SLA dashboards, built from the records the pipeline keeps.

Reads ``deployment.log`` (and, in Actions, GitHub Deployments), ``metrics.log``, ``alerts.log`` and the
backup store; writes one self-contained HTML file and its Markdown twin (also the job summary). Never
contacts Discord. A source that cannot be read is left out with a warning: a dashboard of what is known
beats none.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import write_text_atomic
from ..dashboard.figures import Figures, Window, compute
from ..dashboard.html import render_html
from ..dashboard.markdown import render_markdown
from ..dashboard.views import tiles, window_text
from ..errors import DeployError
from ..notify.alerts import AlertEntry
from ..outcome import Facts, Outcome, render
from ..report import REPORT_FORMAT
from ..stores.backups import BackupInfo
from ..stores.jsonlines import JsonLines, Model, Records
from ..stores.ledger import LedgerEntry
from ..stores.metrics import MetricRecord

# A reader's bounds, not the writers' (health keeps its newest 10,000 checks): a history kept longer, or
# joined from several runs' artifacts, is read far past 30 days of 5-minute checks (8,640 lines).
HISTORY_LINES = 50_000
HISTORY_BYTES = 32 * 1024 * 1024

if TYPE_CHECKING:
    from ..config import Settings
    from ..runtime import Runtime


def _ledger_entries(settings: Settings, ctx: Runtime) -> tuple[list[LedgerEntry], str]:
    # The run's ledger reads the whole window and, for this reader, never fails on a record it cannot read
    # (the composition root builds it so for the dashboard action).
    ledger = ctx.ledger(settings)
    return ledger.entries(), ledger.location


def _backups(settings: Settings, ctx: Runtime) -> tuple[list[BackupInfo], str]:
    try:
        store = ctx.backups(settings)
        return store.list(), store.location
    except DeployError as exc:
        ctx.log(f"warning: backups left out of the dashboard: {exc}")
        return [], f"{settings.backup_store} (unreadable)"


def _history(path: Path, model: type[Model], ctx: Runtime) -> list[Model]:
    """The file's readable records; a line that cannot be read or be true is left out with one warning."""
    reader = Records(JsonLines(path, HISTORY_LINES, HISTORY_BYTES), model)
    records = reader.read(now=ctx.now())
    skipped = reader.warning()
    if skipped is not None:
        ctx.log(f"warning: {skipped}")
    return records


def gather(settings: Settings, ctx: Runtime) -> Figures:
    window = Window.ending(ctx.now(), settings.dashboard_window)
    entries, ledger_location = _ledger_entries(settings, ctx)
    records = _history(ctx.workspace / settings.metrics_file, MetricRecord, ctx)
    alerts = _history(ctx.workspace / settings.alerts_file, AlertEntry, ctx)
    backups, backup_location = _backups(settings, ctx)
    figures = compute(
        window=window,
        entries=entries,
        records=records,
        alerts=alerts,
        backups=backups,
        response_threshold_ms=settings.response_time_threshold * 1000,
    )
    figures.sources = {
        "deployments": ledger_location,
        "health": settings.metrics_file,
        "alerts": settings.alerts_file,
        "backups": backup_location,
    }
    return figures


def figures_report(figures: Figures) -> dict[str, Any]:
    """The figures as the JSON report (``--format json``): what the tiles show, as numbers."""
    availability = figures.availability
    return {
        "format": REPORT_FORMAT,
        "action": "dashboard",
        "window": {"start": figures.window.start.isoformat(), "end": figures.window.end.isoformat()},
        "deploys": {
            r.environment: {"deploys": r.deploys, "succeeded": r.succeeded, "failed": r.failed, "rate": r.rate}
            for r in figures.rates
        },
        "merge_to_production": {
            "commits": len(figures.lead_times),
            "median_seconds": figures.lead_median,
            "p95_seconds": figures.lead_p95,
        },
        "health": {
            "checks": figures.health_checks,
            "median_ms": figures.response_overall(0.5),
            "p95_ms": figures.response_overall(0.95),
            "days": [
                {
                    "day": d.day.isoformat(),
                    "checks": d.checks,
                    "median_ms": d.median_ms,
                    "p95_ms": d.p95_ms,
                    "error_rate": d.error_rate,
                }
                for d in figures.health_days
            ],
        },
        "availability": {
            "share": availability.share,
            "observed_seconds": availability.observed_seconds,
            "down_seconds": availability.down_seconds,
            "incidents": [
                {
                    "start": i.start.isoformat(),
                    "end": i.end.isoformat() if i.end else None,
                    "seconds": i.seconds,
                    "checks": i.checks,
                }
                for i in availability.incidents
            ],
        },
        "backups": figures.backups,
        "rollbacks": len(figures.rollbacks),
        "alerts": len(figures.alerts),
    }


def run(settings: Settings, ctx: Runtime) -> Outcome:
    figures = gather(settings, ctx)
    generated = ctx.now()
    html_path = ctx.workspace / settings.dashboard_file
    # Both files are channels like any other: a secret already in a record (or learnt since it was written) is
    # removed in every form the registry knows (raw, JSON, URL, HTML- and Markdown-escaped).
    markdown = ctx.redact(render_markdown(figures, generated_at=generated))
    try:
        write_text_atomic(html_path, ctx.redact(render_html(figures, generated_at=generated)))
        write_text_atomic(html_path.with_suffix(".md"), markdown)
    except OSError as exc:
        raise DeployError(f"cannot write the dashboard {html_path}: {exc.strerror or exc}") from None
    lines = [f"dashboard {window_text(figures)}: {_relative(html_path, ctx.workspace)}"]
    lines += [f"  {t.title}: {t.value} ({t.detail})" for t in tiles(figures)]
    return render(
        Facts("dashboard", outputs={"dashboard-file": settings.dashboard_file}),
        report_file=settings.report_file,
        title="",
        lead=lines,
        report=figures_report(figures),
        summary=markdown,
    )


def _relative(path: Path, workspace: Path) -> str:
    try:
        return str(path.relative_to(workspace))
    except ValueError:
        return str(path)
