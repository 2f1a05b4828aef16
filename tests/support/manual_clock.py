"""A monotonic clock that a test moves on by hand: the emulator's rate limits read it, and the client's ``sleep``
moves it instead of sleeping, so a wait is an event the test sees (how long the client chose to wait), never a
real sub-second timing. With ``real=True`` it also runs with real time, for tests with the client in the loop
(the client measures elapsed time on its own clock); without, it stands still between moves."""

from __future__ import annotations

import time

LATE = 0.001  # a real sleep never returns early and usually a little late: so does this one


class ManualClock:
    def __init__(self, *, real: bool = False) -> None:
        self.real = real
        self.offset = 1_000.0
        self.slept: list[float] = []  # every wait the client asked for, in order

    def __call__(self) -> float:
        return self.offset + (time.monotonic() if self.real else 0.0)

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def sleep(self, seconds: float) -> None:
        """The client's ``sleep``: recorded, and the clock moves on at once."""
        self.slept.append(seconds)
        self.advance(seconds + LATE)
