"""Trend analysis over the recent checks of one scope: rising response times, rising error rate.

The window (the last ``window`` checks, oldest first) is cut in two halves, earlier and recent:

* latency rises when the recent median of successful GETs is at least ``latency_factor`` times the
  earlier one AND at least ``latency_margin_ms`` above it, with ``min_samples`` on each side (a
  factor alone flags 2 ms → 4 ms; a margin alone flags noise on a slow link);
* the error rate rises when the recent share of failed checks exceeds the earlier one by at least
  ``error_margin``, with ``min_samples`` checks on each side.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .assess import TrendFlags


class Sample(Protocol):
    """What the analysis needs of a check (``stores.metrics.MetricRecord`` is one)."""

    @property
    def response_time_ms(self) -> float | None: ...

    @property
    def failed(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class TrendRules:
    window: int = 20
    min_samples: int = 5
    latency_factor: float = 1.5
    latency_margin_ms: float = 100.0
    error_margin: float = 0.2


@dataclass(frozen=True, slots=True)
class LatencyTrend:
    earlier_median_ms: float | None
    recent_median_ms: float | None
    earlier_samples: int
    recent_samples: int
    rising: bool

    def describe(self) -> str:
        if self.earlier_median_ms is None or self.recent_median_ms is None:
            return (
                f"response time: not enough successful checks yet ({self.earlier_samples} earlier, "
                f"{self.recent_samples} recent)"
            )
        verb = "rising" if self.rising else "steady"
        return (
            f"response time {verb}: median {self.recent_median_ms:.0f} ms over the recent {self.recent_samples} "
            f"checks vs {self.earlier_median_ms:.0f} ms over the {self.earlier_samples} before"
        )


@dataclass(frozen=True, slots=True)
class ErrorTrend:
    earlier_rate: float | None
    recent_rate: float | None
    earlier_checks: int
    recent_checks: int
    rising: bool

    def describe(self) -> str:
        if self.earlier_rate is None or self.recent_rate is None:
            return f"error rate: not enough checks yet ({self.earlier_checks} earlier, {self.recent_checks} recent)"
        verb = "rising" if self.rising else "steady"
        return (
            f"error rate {verb}: {self.recent_rate:.0%} of the recent {self.recent_checks} checks failed vs "
            f"{self.earlier_rate:.0%} of the {self.earlier_checks} before"
        )


@dataclass(frozen=True, slots=True)
class Trend:
    checks: int  # how many checks the window held
    latency: LatencyTrend
    errors: ErrorTrend

    @property
    def rising(self) -> bool:
        return self.latency.rising or self.errors.rising

    def flags(self) -> TrendFlags:
        return TrendFlags(
            latency_rising=self.latency.rising,
            latency_text=self.latency.describe(),
            errors_rising=self.errors.rising,
            errors_text=self.errors.describe(),
        )


def analyse(history: Sequence[Sample], rules: TrendRules) -> Trend:
    """The trend of the last ``rules.window`` checks of ``history`` (oldest first)."""
    window = list(history[-rules.window :]) if rules.window > 0 else []
    half = len(window) // 2
    earlier, recent = window[:half], window[half:]
    return Trend(len(window), _latency(earlier, recent, rules), _errors(earlier, recent, rules))


def _latency(earlier: Sequence[Sample], recent: Sequence[Sample], rules: TrendRules) -> LatencyTrend:
    before = [s.response_time_ms for s in earlier if s.response_time_ms is not None]
    after = [s.response_time_ms for s in recent if s.response_time_ms is not None]
    if len(before) < rules.min_samples or len(after) < rules.min_samples:
        return LatencyTrend(None, None, len(before), len(after), rising=False)
    old, new = statistics.median(before), statistics.median(after)
    rising = new >= old * rules.latency_factor and new - old >= rules.latency_margin_ms
    return LatencyTrend(old, new, len(before), len(after), rising)


def _errors(earlier: Sequence[Sample], recent: Sequence[Sample], rules: TrendRules) -> ErrorTrend:
    if len(earlier) < rules.min_samples or len(recent) < rules.min_samples:
        return ErrorTrend(None, None, len(earlier), len(recent), rising=False)
    old = sum(s.failed for s in earlier) / len(earlier)
    new = sum(s.failed for s in recent) / len(recent)
    # A tiny epsilon: 0.3 - 0.1 is 0.19999… in binary, and "by 20 points" must mean 20 points.
    return ErrorTrend(old, new, len(earlier), len(recent), rising=new - old >= rules.error_margin - 1e-9)
