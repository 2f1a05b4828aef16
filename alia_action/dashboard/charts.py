"""The dashboard's charts as data: one list both renderers draw (Chart.js in the HTML, Mermaid in Markdown)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .figures import AVAILABILITY_TARGET, ENVIRONMENTS, LEAD_TIME_TARGET, Figures

Kind = Literal["bar", "line"]
Unit = Literal["count", "ms", "s", "percent"]

GREEN, RED, BLUE, ORANGE, GREY, PURPLE = "#2e9d5b", "#d64545", "#3b6fd4", "#e08a1e", "#8a8f98", "#8a55c9"
ENVIRONMENT_COLOURS = {"staging": (GREEN, "#9fd8b4"), "production": (BLUE, "#a9c1ee")}
LEVEL_COLOURS = {"error": RED, "warning": ORANGE, "info": GREEN}


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    values: tuple[float | None, ...]
    kind: Kind = "bar"
    colour: str = BLUE
    stack: str | None = None
    target: bool = False  # a threshold or target line: dashed, no points


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    unit: Unit = "count"
    note: str = ""  # one line under the chart: what it is measured against
    stacked: bool = False


def _day(moment: object) -> str:
    return f"{moment:%m-%d}"


def deploys_chart(figures: Figures) -> Chart:
    days = sorted(figures.deploys_per_day)
    series = []
    for env in [r.environment for r in figures.rates]:
        ok, failed = ENVIRONMENT_COLOURS.get(env, (GREY, "#c9ccd1"))
        series.append(
            Series(
                f"{env} succeeded",
                tuple(float(figures.deploys_per_day[d][f"{env}:succeeded"]) for d in days),
                colour=ok,
                stack=env,
            )
        )
        series.append(
            Series(
                f"{env} failed",
                tuple(float(figures.deploys_per_day[d][f"{env}:failed"]) for d in days),
                colour=RED if env in ENVIRONMENTS else failed,
                stack=env,
            )
        )
    return Chart("deploys", "Deploys per day", tuple(_day(d) for d in days), tuple(series), stacked=True)


def lead_time_chart(figures: Figures) -> Chart:
    times = figures.lead_times
    labels = tuple(f"{t.sha[:7]} {t.live_at:%m-%d %H:%M}" for t in times)
    return Chart(
        "lead-time",
        "Merge to production, per commit",
        labels,
        (
            Series("merge → production (s)", tuple(round(t.seconds, 1) for t in times), colour=BLUE),
            Series(
                f"target {LEAD_TIME_TARGET:g} s",
                tuple(LEAD_TIME_TARGET for _ in times),
                kind="line",
                colour=RED,
                target=True,
            ),
        ),
        unit="s",
        note=f"commit time to the promote's verified success; target under {LEAD_TIME_TARGET / 60:g} minutes",
    )


def response_chart(figures: Figures) -> Chart:
    days = figures.health_days
    return Chart(
        "response",
        "Health check response time per day (production)",
        tuple(_day(d.day) for d in days),
        (
            Series("median", tuple(d.median_ms for d in days), kind="line", colour=BLUE),
            Series("p95", tuple(d.p95_ms for d in days), kind="line", colour=PURPLE),
            Series(
                f"threshold {figures.response_threshold_ms:g} ms",
                tuple(figures.response_threshold_ms for _ in days),
                kind="line",
                colour=RED,
                target=True,
            ),
        ),
        unit="ms",
        note="GET of the live commands, the successful attempt only",
    )


def error_chart(figures: Figures) -> Chart:
    days = figures.health_days

    def pct(value: float | None) -> float | None:
        return None if value is None else round(value * 100, 2)

    return Chart(
        "errors",
        "Error rate per day (production)",
        tuple(_day(d.day) for d in days),
        (
            Series("GET failed", tuple(pct(d.error_rate) for d in days), kind="line", colour=RED),
            Series("unhealthy", tuple(pct(d.unhealthy_rate) for d in days), kind="line", colour=ORANGE),
        ),
        unit="percent",
        note=f"share of checks; availability target {AVAILABILITY_TARGET * 100:g}%",
    )


def backups_chart(figures: Figures) -> Chart:
    days = sorted(figures.backups_per_day)
    rollbacks = {d: 0 for d in days}
    for rollback in figures.rollbacks:
        rollbacks[rollback.time.date()] = rollbacks.get(rollback.time.date(), 0) + 1
    return Chart(
        "backups",
        "Backups and rollbacks per day",
        tuple(_day(d) for d in days),
        (
            Series("backups", tuple(float(figures.backups_per_day[d]["backup"]) for d in days), colour=BLUE),
            Series(
                "pre-rollback backups",
                tuple(float(figures.backups_per_day[d]["pre-rollback"]) for d in days),
                colour=GREY,
            ),
            Series("rollbacks", tuple(float(rollbacks.get(d, 0)) for d in days), colour=ORANGE),
        ),
    )


def alerts_chart(figures: Figures) -> Chart:
    days = figures.window.days()
    series = []
    for level, colour in LEVEL_COLOURS.items():
        counts = {d: 0 for d in days}
        for alert in figures.alerts:
            if alert.level == level:
                counts[alert.time.date()] = counts.get(alert.time.date(), 0) + 1
        series.append(Series(level, tuple(float(counts[d]) for d in days), colour=colour, stack="alerts"))
    return Chart(
        "alerts",
        "Alerts per day (fired, repeated, resolved)",
        tuple(_day(d) for d in days),
        tuple(series),
        stacked=True,
    )


def all_charts(figures: Figures) -> list[Chart]:
    return [
        deploys_chart(figures),
        lead_time_chart(figures),
        response_chart(figures),
        error_chart(figures),
        backups_chart(figures),
        alerts_chart(figures),
    ]
