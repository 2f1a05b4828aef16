"""Charts of response times: a one-line sparkline for the terminal, a Mermaid ``xychart-beta`` for summaries."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..markdown import mermaid_label

BLOCKS = "▁▂▃▄▅▆▇█"
FAILED = "×"  # a check whose GET failed: no time to draw


def sparkline(values: Sequence[float | None]) -> str:
    """``[10, 20, None, 80]`` → ``▁▂×█``: scaled between the smallest and largest time of the series."""
    known = [v for v in values if v is not None]
    if not known:
        return FAILED * len(values)
    low, high = min(known), max(known)
    span = high - low
    top = len(BLOCKS) - 1
    out = []
    for value in values:
        if value is None:
            out.append(FAILED)
        else:
            out.append(BLOCKS[0] if span == 0 else BLOCKS[round((value - low) / span * top)])
    return "".join(out)


@dataclass(frozen=True, slots=True)
class ChartPoint:
    label: str  # x-axis label, e.g. the check's time
    value_ms: float | None  # None: the GET failed


def number(value: float) -> str:
    """A figure as the chart and the tables print it: whole numbers bare, others with one decimal."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def axis_top(values: Sequence[float], threshold_ms: float) -> int:
    """A round y-axis maximum a little above the highest bar and the threshold line."""
    top = max([*values, threshold_ms, 1.0]) * 1.1
    step = 10 ** max(0, math.floor(math.log10(top)) - 1)
    return int(math.ceil(top / step) * step)


def mermaid_xychart(points: Sequence[ChartPoint], threshold_ms: float, *, title: str = "") -> str:
    """A fenced Mermaid block: response times as bars (failed checks as 0), the threshold as a line."""
    if not points:
        return ""
    bars = [p.value_ms if p.value_ms is not None else 0.0 for p in points]
    heading = title or f"GET response time (ms) of the last {len(points)} checks; threshold {number(threshold_ms)} ms"
    lines = [
        "```mermaid",
        "xychart-beta",
        f"    title {mermaid_label(heading)}",
        f"    x-axis [{', '.join(mermaid_label(p.label) for p in points)}]",
        f'    y-axis "ms" 0 --> {axis_top(bars, threshold_ms)}',
        f"    bar [{', '.join(number(v) for v in bars)}]",
        f"    line [{', '.join(number(threshold_ms) for _ in points)}]",
        "```",
    ]
    return "\n".join(lines)
