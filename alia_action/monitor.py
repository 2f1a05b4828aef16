"""``command-deploy monitor``: a health check every ``interval`` until Ctrl+C, one line a check.

It owns the process's signal handling while it runs (the first Ctrl+C stops after the check in progress, a
second one at once), reconnects every few checks so the client's request log stays bounded, and prints a tally
at the end."""

from __future__ import annotations

import contextlib
import signal
import statistics
import threading
import time
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Any

from .durations import human_duration
from .errors import DeployError
from .health.check import Check
from .health.summary import monitor_line
from .outcome import EXIT_OK
from .steps.health_check import Session, check_report, perform_check

if TYPE_CHECKING:
    from .config import Settings
    from .runtime import Runtime
    from .workflow import Workflow


RECONNECT_EVERY = 100  # monitor checks per connection: the client's request log stays bounded


class Interrupts:
    """Ctrl+C (SIGINT) and SIGTERM end ``monitor`` within a second: they set ``stop``, which the wait between
    checks watches. During a network read they also abort it (nothing has been recorded yet); elsewhere
    the check finishes its few milliseconds of bookkeeping first. A second signal aborts anything."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self._reading = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _handle(self, _signum: int, _frame: FrameType | None) -> None:
        again = self.stop.is_set()
        self.stop.set()
        if self._reading or again:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        if self.stop.is_set():
            raise KeyboardInterrupt
        self._reading = True
        try:
            yield
        finally:
            self._reading = False


@dataclass(slots=True)
class Tally:
    checks: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    latencies: array[float] = field(default_factory=lambda: array("d"))  # 8 bytes a check

    def add(self, check: Check) -> None:
        self.checks += 1
        self.outcomes[check.outcome] += 1
        if check.record.response_time_ms is not None:
            self.latencies.append(check.record.response_time_ms)

    def summary(self, elapsed: float) -> str:
        median = f"{statistics.median(self.latencies):.0f} ms" if self.latencies else "n/a"
        return (
            f"monitor stopped after {self.checks} check(s) in {human_duration(elapsed)}: "
            f"{self.outcomes['healthy']} healthy, {self.outcomes['degraded']} degraded, "
            f"{self.outcomes['unhealthy']} unhealthy; median response time {median}"
        )


def monitor(
    settings: Settings,
    ctx: Runtime,
    workflow: Workflow,
    *,
    stop: threading.Event | None = None,
    max_checks: int | None = None,
) -> int:
    """Check every ``settings.interval`` until Ctrl+C (or ``stop`` is set, or ``max_checks`` ran); one line a
    check, a summary at the end. Exit 0 when stopped; a configuration problem ends it with its exit code."""
    stop = stop or threading.Event()
    session = Session.open(settings, ctx)
    tally = Tally()
    started = time.monotonic()
    since_connect = 0
    workflow.log(
        f"monitoring {settings.environment} every {human_duration(settings.interval)} "
        f"(threshold {settings.response_time_threshold * 1000:.0f} ms); Ctrl+C stops"
    )
    try:
        with Interrupts(stop) as interrupts:
            while not stop.is_set():
                began = time.monotonic()
                try:
                    validated = session.files.load()
                    if not validated.deployable:
                        errors = sum(p.is_error for p in validated.problems)
                        workflow.log(f"check skipped: {errors} error(s) in the command files (run detect)")
                    else:
                        check = perform_check(session, validated, reading_guard=interrupts.reading)
                        tally.add(check)
                        _print_check(check, workflow, settings.format)
                except KeyboardInterrupt:
                    break
                except DeployError as exc:  # credentials, configuration: no later check can do better
                    workflow.error(str(exc), title="command-deploy monitor")
                    return exc.exit_code
                since_connect += 1
                if since_connect >= RECONNECT_EVERY:
                    ctx.close()  # a fresh connection; the old one's request log goes with it
                    since_connect = 0
                if max_checks is not None and tally.checks >= max_checks:
                    break
                stop.wait(max(0.0, settings.interval - (time.monotonic() - began)))
    finally:
        session.close()
        ctx.close()
    workflow.log(tally.summary(time.monotonic() - started))
    return EXIT_OK


def _print_check(check: Check, workflow: Workflow, fmt: str) -> None:
    if fmt == "json":
        workflow.print_json(check_report(check), indent=None)
        return
    workflow.log(monitor_line(check), untrusted=True)
    for warning in check.warnings:
        workflow.log(f"  warning: {warning}", untrusted=True)
    for delivery in check.alerts.sent:
        workflow.log(f"  alert {delivery.describe()}", untrusted=True)
