"""Summary statistics of repeated timings (medians resist the odd slow run on a shared 2-core box)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def p90(values: Sequence[float]) -> float:
    """Nearest-rank 90th percentile: with few samples it is an observed value, never an interpolation."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


@dataclass(frozen=True, slots=True)
class Timing:
    """Repeated wall times, in seconds."""

    samples: tuple[float, ...]

    @classmethod
    def of(cls, samples: Sequence[float]) -> Timing:
        if not samples:
            raise ValueError("a timing needs at least one sample")
        return cls(tuple(samples))

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p90_ms(self) -> float:
        return p90(self.samples) * 1000

    @property
    def n(self) -> int:
        return len(self.samples)


def ms(value: float) -> str:
    """Milliseconds for a table cell: whole numbers from 100 ms up, one decimal below."""
    return f"{value:.0f}" if round(value, 1) >= 100 else f"{value:.1f}"
