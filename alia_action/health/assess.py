"""Judge one check: what is missing, extra or drifted, and whether the scope is healthy, degraded or unhealthy."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..commands.plan import build_plan

Outcome = Literal["healthy", "degraded", "unhealthy"]
Severity = Literal["unhealthy", "degraded"]
Escape = Callable[[str], str]

# Every condition a check can report; alerts are keyed by them (with the environment).
UNHEALTHY_CONDITIONS = ("error", "missing", "drifted", "count-deviation")
DEGRADED_CONDITIONS = ("slow", "extra", "latency-trend", "error-trend")
# Conditions that need a reading of the live commands: unknown (neither raised nor cleared) when the GET failed.
NEEDS_READING = frozenset({"missing", "drifted", "count-deviation", "slow", "extra"})


def _plain(text: str) -> str:
    return text


@dataclass(frozen=True, slots=True)
class Comparison:
    """The expected set (command files) against the live set, by name."""

    expected: int
    live: int
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    drifted: tuple[str, ...] = ()
    drift_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # name → changed field paths

    @property
    def deviation(self) -> float:
        """``|live - expected| / expected``; against an empty expected set, every live command counts 1."""
        return abs(self.live - self.expected) / max(self.expected, 1)


def compare(expected: Iterable[Mapping[str, Any]], live: Iterable[Mapping[str, Any]], *, guild: bool) -> Comparison:
    """Missing (planned as added), extra (removed) and drifted (modified) commands, via the deploy planner,
    so health and deploys agree on what "the same command" means. A pending rename (``renamedFrom`` whose
    old name is still live) is the new name missing and the old one extra."""
    expected_list, live_list = list(expected), list(live)
    plan = build_plan(expected_list, live_list, guild=guild)
    missing: list[str] = []
    extra: list[str] = []
    drifted: list[str] = []
    fields: dict[str, tuple[str, ...]] = {}
    for change in plan.changes:
        if change.kind == "added":
            missing.append(change.name)
        elif change.kind == "removed":
            extra.append(change.name)
        elif change.kind == "modified" and change.renamed_from:
            missing.append(change.name)
            extra.append(change.renamed_from)
        elif change.kind == "modified":
            drifted.append(change.name)
            fields[change.name] = tuple(f.path for f in change.fields)
    # A live entry point the files do not define is kept by design (deploys carry it over): expected, not extra.
    expected_count = len(expected_list) + len(plan.kept)
    return Comparison(expected_count, len(live_list), tuple(missing), tuple(extra), tuple(drifted), fields)


@dataclass(frozen=True, slots=True)
class Thresholds:
    response_time: float = 5.0  # seconds
    count_deviation: float = 0.2  # share


@dataclass(frozen=True, slots=True)
class Reason:
    """One finding. ``names`` and ``detail`` are untrusted (from Discord or the command files)."""

    condition: str
    severity: Severity
    text: str  # ours, e.g. "1 command missing"
    names: tuple[str, ...] = ()
    detail: str = ""

    def render(self, escape: Escape = _plain, *, limit: int = 10) -> str:
        out = self.text
        if self.names:
            shown = ", ".join(escape(n) for n in self.names[:limit])
            more = f" and {len(self.names) - limit} more" if len(self.names) > limit else ""
            out += f": {shown}{more}"
        if self.detail:
            out += f": {escape(self.detail)}"
        return out


@dataclass(frozen=True, slots=True)
class TrendFlags:
    """What the trend analysis concluded, as far as the verdict needs it (figures live in ``trend.Trend``)."""

    latency_rising: bool = False
    latency_text: str = ""
    errors_rising: bool = False
    errors_text: str = ""


@dataclass(frozen=True, slots=True)
class Assessment:
    outcome: Outcome
    reasons: tuple[Reason, ...]

    @property
    def conditions(self) -> frozenset[str]:
        return frozenset(r.condition for r in self.reasons)


def assess(
    comparison: Comparison | None,
    *,
    response_time_ms: float | None,
    error: str | None,
    thresholds: Thresholds,
    trend: TrendFlags | None = None,
) -> Assessment:
    """Unhealthy: the GET failed, or anything is missing or drifted, or the count deviates past the threshold.
    Degraded: slower than the threshold, only extra commands, or a rising trend. Else healthy."""
    reasons: list[Reason] = []
    if error is not None or comparison is None:
        reasons.append(Reason("error", "unhealthy", "the GET of the live commands failed", detail=error or "no answer"))
    else:
        if comparison.missing:
            reasons.append(Reason("missing", "unhealthy", f"{len(comparison.missing)} missing", comparison.missing))
        if comparison.drifted:
            reasons.append(Reason("drifted", "unhealthy", f"{len(comparison.drifted)} drifted", comparison.drifted))
        if comparison.deviation > thresholds.count_deviation:
            reasons.append(
                Reason(
                    "count-deviation",
                    "unhealthy",
                    f"{comparison.live} live vs {comparison.expected} expected: a count deviation of "
                    f"{comparison.deviation:.0%}, over the {thresholds.count_deviation:.0%} threshold",
                )
            )
        elif comparison.extra:
            reasons.append(Reason("extra", "degraded", f"{len(comparison.extra)} extra", comparison.extra))
        if response_time_ms is not None and response_time_ms > thresholds.response_time * 1000:
            reasons.append(
                Reason(
                    "slow",
                    "degraded",
                    f"the GET took {response_time_ms:.0f} ms, over the {thresholds.response_time * 1000:.0f} ms "
                    "threshold",
                )
            )
    if trend is not None and trend.latency_rising:
        reasons.append(Reason("latency-trend", "degraded", trend.latency_text))
    if trend is not None and trend.errors_rising:
        reasons.append(Reason("error-trend", "degraded", trend.errors_text))
    outcome: Outcome = (
        "unhealthy" if any(r.severity == "unhealthy" for r in reasons) else "degraded" if reasons else "healthy"
    )
    return Assessment(outcome, tuple(reasons))


@dataclass(frozen=True, slots=True)
class Shadow:
    """A guild command with the name and type of a global one: in that guild, users see two of them."""

    guild_id: str
    type: int
    name: str


def find_shadows(
    guild_id: str, global_commands: Sequence[Mapping[str, Any]], guild_commands: Sequence[Mapping[str, Any]]
) -> list[Shadow]:
    def key(command: Mapping[str, Any]) -> tuple[int, str]:
        kind = command.get("type", 1)
        return (kind if isinstance(kind, int) else 1, str(command.get("name", "")))

    global_keys = {key(c) for c in global_commands}
    found = {key(c) for c in guild_commands} & global_keys
    return [Shadow(guild_id, kind, name) for kind, name in sorted(found)]
