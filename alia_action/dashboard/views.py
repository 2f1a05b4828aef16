"""What the dashboard says in words: headline tiles and listings, shared by the HTML and Markdown renderers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..durations import format_duration, human_duration
from .figures import AVAILABILITY_TARGET, LEAD_TIME_TARGET, Figures


@dataclass(frozen=True, slots=True)
class Tile:
    title: str
    value: str
    detail: str
    good: bool | None  # None: no target, or nothing measured


@dataclass(frozen=True, slots=True)
class Listing:
    title: str
    headers: tuple[str, ...]
    rows: list[list[str]]
    empty: str = "None in the window."


def percent(share: float | None, digits: int = 1) -> str:
    return "n/a" if share is None else f"{share * 100:.{digits}f}%"


def seconds(value: float | None) -> str:
    return "n/a" if value is None else human_duration(value)


def millis(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} ms"


def moment(value: datetime | None) -> str:
    return "ongoing" if value is None else f"{value:%Y-%m-%d %H:%M}Z"


def tiles(figures: Figures) -> list[Tile]:
    out = [
        Tile(
            f"{rate.environment} deploy success",
            percent(rate.rate),
            f"{rate.succeeded} of {rate.deploys} deploys succeeded",
            None if rate.rate is None else rate.failed == 0,
        )
        for rate in figures.rates
    ]
    median, p95 = figures.lead_median, figures.lead_p95
    out.append(
        Tile(
            "merge → production (median / p95)",
            f"{seconds(median)} / {seconds(p95)}",
            f"target < {format_duration(LEAD_TIME_TARGET)}; {len(figures.lead_times)} commit(s)",
            None if p95 is None else p95 < LEAD_TIME_TARGET,
        )
    )
    r50, r95 = figures.response_overall(0.5), figures.response_overall(0.95)
    out.append(
        Tile(
            "health response (median / p95)",
            f"{millis(r50)} / {millis(r95)}",
            f"threshold {millis(figures.response_threshold_ms)}; {figures.health_checks} check(s)",
            None if r95 is None else r95 < figures.response_threshold_ms,
        )
    )
    share = figures.availability.share
    out.append(
        Tile(
            "availability (production)",
            percent(share, 3),
            f"target {percent(AVAILABILITY_TARGET)}; {len(figures.availability.incidents)} incident(s)",
            None if share is None else share >= AVAILABILITY_TARGET,
        )
    )
    out.append(
        Tile(
            "backups / rollbacks",
            f"{figures.backups} / {len(figures.rollbacks)}",
            f"{percent_per_day(figures)} per day",
            None,
        )
    )
    fired = sum(1 for a in figures.alerts if a.event == "fire")
    out.append(Tile("alerts fired", str(fired), f"{len(figures.alerts)} alert event(s)", None if not fired else False))
    return out


def listings(figures: Figures) -> list[Listing]:
    return [
        Listing(
            "Deploys per environment",
            ("environment", "deploys", "succeeded", "failed", "rate"),
            [[r.environment, str(r.deploys), str(r.succeeded), str(r.failed), percent(r.rate)] for r in figures.rates],
        ),
        Listing(
            "Incidents (production unhealthy)",
            ("from", "to", "lasted", "checks", "found"),
            [
                [moment(i.start), moment(i.end), human_duration(i.seconds), str(i.checks), ", ".join(i.reasons)]
                for i in figures.availability.incidents
            ],
            "No incident in the window.",
        ),
        Listing(
            "Merge to production",
            ("commit", "committed", "live", "took"),
            [[t.sha[:12], moment(t.committed_at), moment(t.live_at), seconds(t.seconds)] for t in figures.lead_times],
            "No promote with a known commit time in the window (a commit older than every promote on record, "
            "an old checkout's first deploy, is not measured).",
        ),
        Listing(
            "Rollbacks",
            ("when", "environment", "result", "restored", "pre-rollback backup", "message"),
            [
                [
                    moment(r.time),
                    r.environment,
                    "succeeded" if r.succeeded else "failed",
                    r.restored or "(not recorded)",
                    r.backup or "",
                    r.message,
                ]
                for r in figures.rollbacks
            ],
            "No rollback in the window.",
        ),
        Listing(
            "Alert timeline",
            ("when", "event", "level", "alert", "message"),
            [[moment(a.time), a.event, a.level, a.key, a.message] for a in reversed(figures.alerts)],
            "No alert in the window.",
        ),
    ]


def window_text(figures: Figures) -> str:
    span = format_duration(round((figures.window.end - figures.window.start).total_seconds()))
    return f"{figures.window.start:%Y-%m-%d %H:%M} – {figures.window.end:%Y-%m-%d %H:%M} UTC (last {span})"


def percent_per_day(figures: Figures) -> str:
    return f"{(figures.backups + len(figures.rollbacks)) / max(1, figures.days):.1f}"
