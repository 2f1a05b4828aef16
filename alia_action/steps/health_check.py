"""One health check: time a GET of the live commands, compare them with the command files, record the
figures in ``metrics.log``, read the trend, raise and resolve alerts. Never writes to Discord.

One check = one GET of the scope (plus one per ``check-guilds`` guild, and one of the global commands when
the scope is the staging guild and guilds are to be checked for shadows). The ``health`` handler runs one;
the monitor (``alia_action/monitor.py``) runs them in a loop.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..commands.problems import Problem, Severity
from ..discord.errors import DiscordError
from ..health.assess import NEEDS_READING, Comparison, Shadow, Thresholds, assess, compare, find_shadows
from ..health.check import Check
from ..health.summary import check_lines, summary_markdown
from ..health.trend import TrendRules, analyse
from ..notify.alerts import Alerter
from ..outcome import EXIT_FAILED, EXIT_OK, Facts, Outcome, render
from ..redaction import Redact, excerpt
from ..report import REPORT_FORMAT
from ..sources import find_files
from ..stores.jsonlines import JsonLinesError
from ..stores.metrics import MetricRecord, MetricsLog
from .validation import Validated, load_and_validate

if TYPE_CHECKING:
    from ..config import Settings
    from ..discord.client import DiscordClient
    from ..discord.connection import Discord
    from ..runtime import Runtime


TREND = TrendRules()  # the last 20 checks of the scope, 5+ samples each side, x1.5 and +100 ms, +20 points


ERROR_CHARS = 500  # longer error texts are cut in metrics.log and alerts


FILES_RECHECK = 1.0  # seconds between looks at the command files during monitor


@dataclass(frozen=True, slots=True)
class Reading:
    """One timed GET: the commands (None when it failed), the successful attempt's time, the attempts."""

    commands: list[dict[str, Any]] | None
    response_time_ms: float | None
    attempts: int
    error: str | None = None


def timed_get(client: DiscordClient, guild_id: str | None) -> Reading:
    """GET the scope's commands, timing the attempt that succeeded: retry and rate-limit waits are the
    client's, not Discord's response time, so they are left out (the attempts are counted instead)."""
    first = client.request_count
    try:
        commands = client.list_commands(guild_id)
    except DiscordError as exc:
        return Reading(None, None, client.request_count - first, str(exc))
    attempts = client.requests[first:]
    # The client returns on the answer it accepts: the last exchange (token exchanges and retries come first).
    return Reading(commands, round(attempts[-1].elapsed * 1000, 1), len(attempts))


class CommandFiles:
    """The expected set, loaded and validated again only when a command file changed. ``monitor`` may check
    many times a second: the files are looked at (listed and stat'ed) at most once per ``recheck`` seconds."""

    def __init__(self, settings: Settings, ctx: Runtime, recheck: float = FILES_RECHECK) -> None:
        self.settings = settings
        self.ctx = ctx
        self.recheck = recheck
        self._stamp: tuple[object, ...] | None = None
        self._validated: Validated | None = None
        self._looked = -float("inf")

    def _fingerprint(self) -> tuple[object, ...]:
        paths, problems = find_files(self.settings.commands, self.ctx.workspace)
        stamp: list[object] = [p.message for p in problems]
        for path in paths:
            try:
                info = path.stat()
                stamp.append((str(path), info.st_mtime_ns, info.st_size))
            except OSError:
                stamp.append((str(path), None, None))
        return tuple(stamp)

    def load(self) -> Validated:
        if self._validated is not None and time.monotonic() - self._looked < self.recheck:
            return self._validated
        stamp = self._fingerprint()
        self._looked = time.monotonic()
        if self._validated is None or stamp != self._stamp:
            self._validated, self._stamp = load_and_validate(self.settings, self.ctx), stamp
        return self._validated


@dataclass(slots=True)
class Session:
    """What the checks of one run (or one ``monitor``) share."""

    settings: Settings
    ctx: Runtime
    files: CommandFiles
    metrics: MetricsLog
    alerter: Alerter
    _compared: tuple[Validated, bool, str, Comparison] | None = None

    def compare(self, validated: Validated, live: list[dict[str, Any]], *, guild: bool) -> Comparison:
        """:func:`compare`, remembered for the last (files, live answer): an unchanged scope, the common case of
        ``monitor``, costs a JSON dump instead of canonicalising both sets again."""
        answer = json.dumps(live, sort_keys=True)
        last = self._compared
        if last is not None and last[0] is validated and last[1] == guild and last[2] == answer:
            return last[3]
        comparison = compare(validated.for_scope(guild=guild), live, guild=guild)
        self._compared = (validated, guild, answer, comparison)
        return comparison

    @classmethod
    def open(cls, settings: Settings, ctx: Runtime) -> Session:
        return cls(
            settings,
            ctx,
            CommandFiles(settings, ctx),
            MetricsLog(ctx.workspace / settings.metrics_file),
            ctx.alerter(settings),
        )

    def close(self) -> None:
        self.alerter.close()


def _no_guard() -> contextlib.AbstractContextManager[None]:
    return contextlib.nullcontext()


def perform_check(
    session: Session,
    validated: Validated,
    *,
    reading_guard: Callable[[], contextlib.AbstractContextManager[None]] = _no_guard,
) -> Check:
    """One check of ``settings.environment``'s scope: read, compare, trend, record, alert."""
    settings, ctx = session.settings, session.ctx
    now = ctx.now()
    discord = ctx.discord(settings, settings.environment)
    scope = discord.scope_for(settings.environment)
    guild = scope.guild_id
    expected = validated.for_scope(guild=scope.guild)
    redact = ctx.redact

    with reading_guard():
        reading = timed_get(discord.client, guild)
        shadows, warnings = _shadows(settings, discord, guild, reading)
    error = excerpt(reading.error, ERROR_CHARS, redact, flat=False) if reading.error is not None else None
    comparison = (
        session.compare(validated, reading.commands, guild=guild is not None) if reading.commands is not None else None
    )

    try:
        history = session.metrics.recent(
            environment=settings.environment,
            scope=scope.key,
            application_id=discord.application_id,
            limit=TREND.window - 1,
            now=now,
        )
    except JsonLinesError as exc:  # a FIFO or device in its place: this check stands on its own
        history = []
        warnings.append(f"{exc}; no trend this time")
    skipped = session.metrics.reader.warning()
    if skipped is not None:
        warnings.append(skipped)
    record = MetricRecord(
        time=now,
        environment=settings.environment,
        scope=scope.key,
        application_id=discord.application_id,
        outcome="healthy",  # provisional: the verdict needs the trend, and the trend this check
        response_time_ms=reading.response_time_ms,
        attempts=reading.attempts,
        expected=comparison.expected if comparison else len(expected),  # a kept entry point is expected too
        live=comparison.live if comparison else None,
        deviation=round(comparison.deviation, 4) if comparison else None,
        missing=list(comparison.missing) if comparison else [],
        extra=list(comparison.extra) if comparison else [],
        drifted=list(comparison.drifted) if comparison else [],
        error=error,
    )
    trend = analyse([*history, record], TREND)
    thresholds = Thresholds(settings.response_time_threshold, settings.count_deviation_threshold)
    assessment = assess(
        comparison,
        response_time_ms=reading.response_time_ms,
        error=error,
        thresholds=thresholds,
        trend=trend.flags(),
    )
    record = record.model_copy(update={"outcome": assessment.outcome})
    try:
        session.metrics.append(record)
    except JsonLinesError as exc:
        warnings.append(f"{exc}: this check is not part of the history")

    check = Check(
        settings.environment, thresholds, record, assessment, comparison, trend, [*history, record], scope.label
    )
    check.shadows, check.warnings = shadows, warnings
    check.alerts = session.alerter.process(
        environment=settings.environment,
        reasons=assessment.reasons,
        unknown=NEEDS_READING if comparison is None else (),
        figures=check.figures(),
        now=now,
    )
    check.warnings.extend(check.alerts.warnings)
    return check


def _shadows(
    settings: Settings, discord: Discord, guild: str | None, reading: Reading
) -> tuple[list[Shadow], list[str]]:
    """Guild commands of ``check-guilds`` that share a name and type with a global command."""
    if not settings.check_guilds:
        return [], []
    warnings: list[str] = []
    if guild is None:  # the check's own GET was of the global commands: no second read
        if reading.commands is None:
            return [], ["guild shadows not checked: the global commands could not be read"]
        global_commands = reading.commands
    else:
        try:
            global_commands = discord.client.list_commands(None)
        except DiscordError as exc:
            return [], [f"guild shadows not checked: the global commands could not be read: {exc}"]
    shadows: list[Shadow] = []
    for guild_id in settings.check_guilds:
        try:
            shadows += find_shadows(guild_id, global_commands, discord.client.list_commands(guild_id))
        except DiscordError as exc:
            warnings.append(f"guild {guild_id} not checked for shadows: {exc}")
    return shadows, warnings


def check_outcome(check: Check, redact: Redact) -> Outcome:
    # The command files' own warnings are detect's to report, not every scheduled health check's.
    problems: list[Problem] = []
    for reason in check.assessment.reasons:
        severity: Severity = "error" if reason.severity == "unhealthy" else "warning"
        problems.append(Problem(severity, f"health.{reason.condition}", f"{check.scope_label}: {reason.render()}"))
    for shadow in check.shadows:
        problems.append(Problem("warning", "health.shadow", _shadow_text(shadow)))
    problems += [Problem("warning", "health.notice", warning) for warning in check.warnings]
    return render(
        Facts("health", problems=problems, health=check.outcome),
        lead=check_lines(check),
        exit_code=EXIT_FAILED if check.outcome == "unhealthy" else EXIT_OK,
        report=check_report(check),
        summary=summary_markdown(check, redact),
    )


def _shadow_text(shadow: Shadow) -> str:
    return f"guild {shadow.guild_id}: its command '{shadow.name}' shadows the global command of the same name"


def check_report(check: Check) -> dict[str, Any]:
    """``--format json``: the metrics line plus what only this run knows."""
    return {
        "format": REPORT_FORMAT,
        "action": "health",
        **check.record.model_dump(mode="json"),
        "reasons": [
            {"condition": r.condition, "severity": r.severity, "text": r.render()} for r in check.assessment.reasons
        ],
        "drift_fields": {k: list(v) for k, v in (check.comparison.drift_fields if check.comparison else {}).items()},
        "trend": {
            "checks": check.trend.checks,
            "latency": check.trend.latency.describe(),
            "latency_rising": check.trend.latency.rising,
            "errors": check.trend.errors.describe(),
            "errors_rising": check.trend.errors.rising,
        },
        "shadows": [{"guild_id": s.guild_id, "type": s.type, "name": s.name} for s in check.shadows],
        "alerts": [
            {"key": d.alert.key, "event": d.alert.event, "level": d.alert.level, "channels": dict(d.channels)}
            for d in check.alerts.sent
        ],
        "warnings": check.warnings,
    }
