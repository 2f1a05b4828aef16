"""The rate-limit engine every request of a client goes through, built from Discord's rules
(developers/topics/rate-limits.mdx) and the response headers.

* Per-route buckets come only from the headers: never hard-coded. A route maps to a bucket
  (``X-RateLimit-Bucket``); a bucket together with the route's major parameters (here the
  application and the guild) has ``Remaining`` requests until ``Reset-After`` seconds from now.
* The global limit, 50 requests a second per bot across all routes, is the one number the docs give
  and no header announces until it is hit ("All bots can make up to 50 requests per second to our
  API", rate-limits.mdx): a sliding window keeps every second of sending under it, with a small
  margin for the network's jitter between our send time and Discord's arrival time.
* A 429 names how long to wait (``retry_after``), for the route or for every route (``global``).
* Invalid answers (401, 403, 429 except ``X-RateLimit-Scope: shared``) are counted in a sliding
  10-minute window; Discord bans an IP that reaches 10,000 of them (rate-limits.mdx, "Invalid
  Request Limit"). :class:`InvalidAnswers` stops the run at a budget far below that.

Pure and thread-safe; the clock is injectable. Memory stays flat however many guilds a run walks:
bucket state whose reset has passed is dropped, windows are bounded deques.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .errors import InvalidBudgetExhausted

_ID = re.compile(r"/commands/\d+")
_MAJOR = re.compile(r"/(applications|guilds|channels|webhooks)/(\d+)")

GLOBAL_RATE = 50  # requests per second per bot, all routes together (rate-limits.mdx, "Global Rate Limit")
# 50 sends per 1.05 s: Discord counts arrivals, we count sends; 5 % leaves room for jitter on the way.
GLOBAL_WINDOW = 1.05
INVALID_WINDOW = 600.0  # Discord's invalid-request window: 10 minutes (rate-limits.mdx, "Invalid Request Limit")
DISCORD_BAN_THRESHOLD = 10_000  # invalid answers in that window that earn a temporary IP ban
DEFAULT_INVALID_BUDGET = 1_000  # ours: a tenth of the threshold, so a run never comes near it
_PRUNE_EVERY = 256  # updates between sweeps of expired bucket state


def route_key(method: str, path: str) -> str:
    """``PUT /applications/1/guilds/2/commands/3`` → ``PUT /applications/1/guilds/2/commands/{id}``."""
    return f"{method.upper()} {_ID.sub('/commands/{id}', path.split('?', 1)[0])}"


def _majors(route: str) -> str:
    return ",".join(f"{kind}={value}" for kind, value in _MAJOR.findall(route))


def _template(route: str) -> str:
    """The route without its major parameters: Discord gives every guild's copy of a route the same bucket
    hash, so the route → bucket map stays one entry per route, not one per guild."""
    return _MAJOR.sub(lambda m: f"/{m.group(1)}/{{{m.group(1)}}}", route)


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
    """``global_rate``: sends per ``global_window`` seconds over every route (None: no global pacing)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        global_rate: int | None = GLOBAL_RATE,
        global_window: float = GLOBAL_WINDOW,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._bucket_of: dict[str, str] = {}  # route template → bucket hash
        self._state: dict[tuple[str, str], _BucketState] = {}
        self._blocked: dict[str, float] = {}  # route key → until (429 for a route without a bucket)
        self._global_until = 0.0
        self._window = global_window
        self._sent: deque[float] | None = deque(maxlen=global_rate) if global_rate else None
        self._updates = 0

    def _key(self, route: str) -> tuple[str, str] | None:
        bucket = self._bucket_of.get(_template(route))
        return (bucket, _majors(route)) if bucket else None

    def _wait(self, route: str, now: float) -> tuple[float, _BucketState | None]:
        wait = max(0.0, self._global_until - now, self._blocked.get(route, 0.0) - now)
        key = self._key(route)
        state = self._state.get(key) if key else None
        if state is not None and state.reset_at <= now:
            state = None  # the bucket has refilled: Discord's next answer says by how much
        if state is not None and state.remaining <= 0:
            wait = max(wait, state.reset_at - now)
        if self._sent is not None and len(self._sent) == self._sent.maxlen:
            wait = max(wait, self._sent[0] + self._window - now)
        return wait, state

    def delay(self, route: str) -> float:
        """Seconds to wait before sending a request on ``route`` (0 when it may go now); reserves nothing."""
        now = self._clock()
        with self._lock:
            return self._wait(route, now)[0]

    def reserve(self, route: str) -> float:
        """0.0 when a request on ``route`` may go now, and then its place is taken (one of the bucket's
        remaining requests and one of the global second's), so concurrent senders never overspend a bucket;
        else the seconds to wait before asking again."""
        now = self._clock()
        with self._lock:
            wait, state = self._wait(route, now)
            if wait > 0:
                return wait
            if state is not None:
                state.remaining -= 1
            if self._sent is not None:
                self._sent.append(now)
            return 0.0

    def update(self, route: str, headers: Mapping[str, str]) -> None:
        """Learn from a response's ``X-RateLimit-*`` headers (case-insensitive mapping expected)."""
        bucket = headers.get("x-ratelimit-bucket")
        remaining = _float(headers.get("x-ratelimit-remaining"))
        reset_after = _float(headers.get("x-ratelimit-reset-after"))
        if not bucket or remaining is None or reset_after is None:
            return
        now = self._clock()
        with self._lock:
            self._bucket_of[_template(route)] = bucket
            self._state[(bucket, _majors(route))] = _BucketState(int(remaining), now + reset_after)
            self._updates += 1
            if self._updates % _PRUNE_EVERY == 0:
                self._prune(now)

    def _prune(self, now: float) -> None:
        """Forget buckets and blocks that have reset: absent state means "may go", which is what they say."""
        self._state = {k: v for k, v in self._state.items() if v.reset_at > now}
        self._blocked = {k: v for k, v in self._blocked.items() if v > now}

    @property
    def tracked(self) -> int:
        """Bucket states and blocks held (for the memory bound's test)."""
        with self._lock:
            return len(self._state) + len(self._blocked) + len(self._bucket_of)

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


class InvalidAnswers:
    """Invalid answers (401, 403, and 429 unless ``X-RateLimit-Scope: shared``) in a sliding window of
    ``window`` seconds. Discord bans an IP at 10,000 in 10 minutes; :meth:`check` stops the run before a
    request once ``budget`` are in the window, far below that. Memory: at most ``budget`` (plus the
    requests already in flight) timestamps."""

    def __init__(
        self,
        budget: int = DEFAULT_INVALID_BUDGET,
        clock: Callable[[], float] = time.monotonic,
        window: float = INVALID_WINDOW,
    ) -> None:
        if budget < 1:
            raise ValueError("the invalid-answer budget must be 1 or more")
        self.budget = budget
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._times: deque[float] = deque()
        self.total = 0  # every invalid answer of the run
        self.peak = 0  # the most ever in one window: what Discord's ban counter saw at its worst

    @staticmethod
    def counts(status: int, headers: Mapping[str, str]) -> bool:
        """Whether Discord counts this answer towards the ban (rate-limits.mdx: shared-scope 429s do not)."""
        if status in (401, 403):
            return True
        return status == 429 and (headers.get("x-ratelimit-scope") or "").lower() != "shared"

    def record(self, status: int, headers: Mapping[str, str]) -> None:
        if not self.counts(status, headers):
            return
        now = self._clock()
        with self._lock:
            self._drop_old(now)
            self._times.append(now)
            self.total += 1
            self.peak = max(self.peak, len(self._times))

    def _drop_old(self, now: float) -> None:
        while self._times and self._times[0] <= now - self.window:
            self._times.popleft()

    @property
    def in_window(self) -> int:
        with self._lock:
            self._drop_old(self._clock())
            return len(self._times)

    def check(self) -> None:
        """Raise :class:`InvalidBudgetExhausted` when the budget is spent: another request could add one more."""
        now = self._clock()
        with self._lock:
            self._drop_old(now)
            if len(self._times) < self.budget:
                return
            # The window frees up as its oldest answers age out: the (len - budget + 1)-th oldest must go.
            free_at = self._times[len(self._times) - self.budget] + self.window
        wait = max(0.0, free_at - now)
        minutes = self.window / 60
        raise InvalidBudgetExhausted(
            f"stopped before the next request: {len(self._times)} invalid answers (401, 403 or 429) in the last "
            f"{minutes:g} minutes reached this run's budget of {self.budget} (Discord bans the IP at "
            f"{DISCORD_BAN_THRESHOLD:,} in {minutes:g} minutes, rate-limits.mdx). It can continue in {wait:.0f} s, "
            "when the oldest of them leave the window",
            retry_after=wait,
        )
