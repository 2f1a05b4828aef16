"""A run's clock that moves only when the code under test sleeps: rate-limit waits cost no real time, and the
emulator (``rate_clock``) and the client (``clock``, ``sleep``) see the same seconds."""

from __future__ import annotations

import threading


class RunClock:
    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.slept = 0.0

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, seconds)
            self.slept += max(0.0, seconds)
