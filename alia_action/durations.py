"""Durations as people write them in workflow files: ``90``, ``90s``, ``5m``, ``1h30m``, ``500ms``."""

from __future__ import annotations

import itertools
import math
import re
from datetime import datetime, timedelta

_UNITS: dict[str, float] = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_NUMBER = r"\d+(?:\.\d+)?"
_PART = re.compile(rf"({_NUMBER})(ms|s|m|h|d)")
_WHOLE = re.compile(rf"(?:{_NUMBER}(?:ms|s|m|h|d))+")
_PLAIN = re.compile(_NUMBER)

DURATION_HINT = "a duration such as 90 (seconds), 90s, 5m, 1h30m or 500ms"
# No setting needs more than a year; beyond this a date computed from the duration would overflow.
MAX_SECONDS = 366 * 86400.0
# How far another machine's clock (another runner, GitHub) may be ahead of ours: a record dated later than
# now + CLOCK_SKEW cannot have been written yet (a wrong clock or a forged line), and never counts.
CLOCK_SKEW = timedelta(minutes=2)


def stamp(moment: datetime) -> str:
    """A moment in a message: with its day, so a date other than today (a claim dated ahead) is not misread."""
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def parse_duration(value: object) -> float:
    """Seconds, as a float. A bare number means seconds; units may be combined largest first.

    Raises ``ValueError`` (naming the accepted forms) for anything else, including negative values and
    values above :data:`MAX_SECONDS`.
    """
    if isinstance(value, bool):
        raise ValueError(f"must be {DURATION_HINT}; got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = "".join(value.split()).lower()
        if _PLAIN.fullmatch(text):
            seconds = float(text)
        elif _WHOLE.fullmatch(text):
            parts = [(float(n), unit) for n, unit in _PART.findall(text)]
            sizes = [_UNITS[unit] for _, unit in parts]
            if any(a <= b for a, b in itertools.pairwise(sizes)):
                raise ValueError(f"must be {DURATION_HINT} (each unit once, largest first); got {_shorten(value)!r}")
            seconds = sum(n * _UNITS[unit] for n, unit in parts)
        else:
            raise ValueError(f"must be {DURATION_HINT}; got {_shorten(value)!r}")
    else:
        raise ValueError(f"must be {DURATION_HINT}; got a {type(value).__name__}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"must be {DURATION_HINT}; got {_shorten(str(value))!r}")
    if seconds > MAX_SECONDS:
        raise ValueError(f"must be at most {format_duration(MAX_SECONDS)} (a year); got {_shorten(str(value))!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """The shortest readable form: ``3600`` → ``1h``, ``5400`` → ``1h30m``, ``0.5`` → ``500ms``."""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    if seconds < 1:
        return f"{round(seconds * 1000):d}ms"
    if seconds != int(seconds):
        return f"{seconds:g}s"
    rest = int(seconds)
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, rest = divmod(rest, size)
        if count:
            out += f"{count}{unit}"
    return out or "0s"


def human_duration(seconds: float) -> str:
    """An elapsed time for people: ``0.039`` → ``39 ms``, ``3.254`` → ``3.3 s``, ``195.2`` → ``3 min 15 s``,
    ``5400`` → ``1 h 30 min``; two units at most (the second only when it is not zero)."""
    if seconds < 0:
        return "-" + human_duration(-seconds)
    if round(seconds * 1000) < 1000:
        return f"{round(seconds * 1000):d} ms"
    if round(seconds, 1) < 10:
        return f"{seconds:.1f} s"
    rest = round(seconds)
    if rest < 60:
        return f"{rest} s"
    units = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))
    i = next(i for i, (_, size) in enumerate(units) if rest >= size)
    (unit, size), (small_unit, small_size) = units[i], units[i + 1]
    big, small = rest // size, rest % size // small_size
    return f"{big} {unit}" + (f" {small} {small_unit}" if small else "")


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
