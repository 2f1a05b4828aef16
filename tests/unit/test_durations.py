"""Durations as settings (``format_duration``, round-trips with the parser) and as people read them."""

from __future__ import annotations

import pytest

from alia_action.durations import format_duration, human_duration, parse_duration


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0.039, "39 ms"),
        (0.9996, "1.0 s"),
        (3.25403, "3.3 s"),
        (9.96, "10 s"),
        (59.4, "59 s"),
        (59.6, "1 min"),
        (195.161, "3 min 15 s"),
        (3600, "1 h"),
        (5400, "1 h 30 min"),
        (90061, "1 d 1 h"),
        (-2.5, "-2.5 s"),
    ],
)
def test_elapsed_times_read_like_people_say_them(seconds: float, shown: str) -> None:
    assert human_duration(seconds) == shown


@pytest.mark.parametrize("seconds", [0.5, 90, 3600, 5400, 86400 + 61])
def test_setting_values_round_trip(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == seconds
