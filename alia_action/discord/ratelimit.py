"""The client's view of Discord's rate limits, built only from response headers.

Discord says: never hard-code limits, read the headers. A route maps to a bucket
(``X-RateLimit-Bucket``); a bucket together with the route's major parameters (here the
application and the guild) has ``Remaining`` requests until ``Reset-After`` seconds from now.
A 429 names how long to wait (``retry_after``), for the route or for every route (``global``).

Pure and thread-safe; the clock is injectable. The limiter only computes delays: the client
decides whether to sleep them or give up.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_ID = re.compile(r"/commands/\d+")
_MAJOR = re.compile(r"/(applications|guilds|channels|webhooks)/(\d+)")


def route_key(method: str, path: str) -> str:
    """``PUT /applications/1/guilds/2/commands/3`` → ``PUT /applications/1/guilds/2/commands/{id}``."""
    return f"{method.upper()} {_ID.sub('/commands/{id}', path.split('?', 1)[0])}"


def _majors(route: str) -> str:
    return ",".join(f"{kind}={value}" for kind, value in _MAJOR.findall(route))


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


@dataclass
class _BucketState:
    remaining: int
    reset_at: float  # on the limiter's clock


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._bucket_of: dict[str, str] = {}  # route key → bucket hash
        self._state: dict[tuple[str, str], _BucketState] = {}
        self._blocked: dict[str, float] = {}  # route key → until (429 for a route without a bucket)
        self._global_until = 0.0

    def _key(self, route: str) -> tuple[str, str] | None:
        bucket = self._bucket_of.get(route)
        return (bucket, _majors(route)) if bucket else None

    def delay(self, route: str) -> float:
        """Seconds to wait before sending a request on ``route`` (0 when it may go now)."""
        now = self._clock()
        with self._lock:
            wait = max(0.0, self._global_until - now, self._blocked.get(route, 0.0) - now)
            key = self._key(route)
            state = self._state.get(key) if key else None
            if state is not None and state.remaining <= 0:
                wait = max(wait, state.reset_at - now)
            return wait

    def update(self, route: str, headers: Mapping[str, str]) -> None:
        """Learn from a response's ``X-RateLimit-*`` headers (case-insensitive mapping expected)."""
        bucket = headers.get("x-ratelimit-bucket")
        remaining = _float(headers.get("x-ratelimit-remaining"))
        reset_after = _float(headers.get("x-ratelimit-reset-after"))
        if not bucket or remaining is None or reset_after is None:
            return
        now = self._clock()
        with self._lock:
            self._bucket_of[route] = bucket
            self._state[(bucket, _majors(route))] = _BucketState(int(remaining), now + reset_after)

    def on_429(self, route: str, retry_after: float, *, is_global: bool) -> None:
        """A 429: nothing goes on that route (or anywhere, when global) for ``retry_after`` s."""
        until = self._clock() + max(0.0, retry_after)
        with self._lock:
            if is_global:
                self._global_until = max(self._global_until, until)
                return
            key = self._key(route)
            if key is not None:
                # retry_after is authoritative, also over a Reset-After of the same answer.
                self._state[key] = _BucketState(0, until)
            else:
                self._blocked[route] = max(self._blocked.get(route, 0.0), until)
