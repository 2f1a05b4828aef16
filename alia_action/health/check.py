"""What one health check found, and the health of a scope a deploy just verified: the values the monitor,
the summaries and the alerts are made from."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..notify.alerts import AlertReport, Figures
from ..stores.metrics import MetricRecord
from .assess import Assessment, Comparison, Shadow, Thresholds
from .trend import Trend


@dataclass(slots=True)
class Check:
    """Everything one check found, for the outputs, the summary, the monitor line and the alerts."""

    environment: str
    thresholds: Thresholds
    record: MetricRecord  # as appended to metrics.log
    assessment: Assessment
    comparison: Comparison | None
    trend: Trend
    history: list[MetricRecord]  # this series' recent checks, oldest first, this one last
    scope_label: str
    shadows: list[Shadow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    alerts: AlertReport = field(default_factory=AlertReport)

    @property
    def outcome(self) -> str:
        return self.assessment.outcome

    @property
    def threshold_ms(self) -> float:
        return self.thresholds.response_time * 1000

    def figures(self) -> Figures:
        return Figures(
            self.record.outcome,
            self.record.scope,
            self.record.response_time_ms,
            self.threshold_ms,
            self.record.expected,
            self.record.live,
        )


@dataclass(frozen=True, slots=True)
class PostDeploy:
    """The health of a scope a deploy just verified, from the GET the deploy already made."""

    label: str
    outcome: str
    response_time_ms: float
    threshold_ms: float
    commands: int  # live = expected: the verification found exactly the intended set
    source: str  # which GET: "verification" or "plan" (a no-op deploy's fresh read)

    def line(self) -> str:
        return (
            f"post-deploy health of {self.label}: {self.outcome}: {self.commands} live / {self.commands} expected, "
            f"nothing missing, extra or drifted; the {self.source} GET took {self.response_time_ms:.0f} ms "
            f"(threshold {self.threshold_ms:.0f} ms; no extra request)"
        )
