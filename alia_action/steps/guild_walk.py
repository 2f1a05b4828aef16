"""Walk every guild the bot is in: list them page by page (``GET /users/@me/guilds``, 200 at a time, by ID),
visit each with a bounded number of threads sharing one client (and so one rate-limit engine), record each
result and each finished page, and say how far it got at least every 10 s on the run's clock.

Generic over the visit, so a per-guild deploy can walk the guilds it names with its own visit (a plan and a
write per guild) and the same pacing, checkpoint and progress. Memory is flat in the number of guilds: one
page of IDs and ``concurrency`` requests in flight at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..discord.client import GUILDS_PAGE, DiscordClient

T = TypeVar("T")
PROGRESS_EVERY = 10.0  # seconds of the run's clock between progress lines
CONCURRENCY = 8  # requests in flight: enough to fill 50/s at Discord's ~100 ms answers, few enough to stay polite


def guild_pages(client: DiscordClient, after: str | None = None) -> Iterator[list[str]]:
    """The bot's guild IDs, a page at a time, ascending, after ``after``."""
    while True:
        page = [str(g["id"]) for g in client.list_guilds(after, GUILDS_PAGE)]
        if page:
            yield page
        if len(page) < GUILDS_PAGE:
            return
        after = page[-1]


def count_guilds(client: DiscordClient) -> int:
    """How many guilds the bot is in (a listing pass: one request per 200 guilds, nothing kept)."""
    return sum(len(page) for page in guild_pages(client))


@dataclass(slots=True)
class Progress:
    """``log`` a line when ``every`` seconds of ``clock`` have passed: guilds done, total, rate, estimate."""

    clock: Callable[[], float]
    log: Callable[[str], None]
    total: int
    done: int = 0
    every: float = PROGRESS_EVERY
    _start: float = 0.0
    _last: float = 0.0
    _base: int = 0  # guilds done before this run (a resumed walk): not part of its rate

    def begin(self, done: int) -> None:
        self.done = self._base = done
        self._start = self._last = self.clock()

    def step(self, count: int = 1) -> None:
        self.done += count
        self.maybe_log()

    def maybe_log(self) -> None:
        now = self.clock()
        if now - self._last >= self.every:
            self._last = now
            self.log(self.line(now))

    def line(self, now: float) -> str:
        elapsed = max(now - self._start, 1e-9)
        rate = (self.done - self._base) / elapsed
        left = max(self.total - self.done, 0)
        eta = f"about {_duration(left / rate)} left" if rate > 0 else "estimate pending"
        share = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        return f"inventory: {self.done:,}/{self.total:,} guilds{share}, {rate:.1f} guilds/s, {eta}"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Walk(Generic[T]):
    """Visit guilds page by page. ``visit(guild)`` returns a result or raises to stop the whole walk (a spent
    budget, a refused token, Discord unreachable); ``on_result`` and ``on_page`` record progress (a checkpoint)."""

    def __init__(
        self,
        visit: Callable[[str], T],
        on_result: Callable[[str, T], None],
        on_page: Callable[[str], None],
        progress: Progress,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.visit = visit
        self.on_result = on_result
        self.on_page = on_page
        self.progress = progress
        self.concurrency = max(1, concurrency)
        self.visited = 0

    def run(self, pages: Iterable[list[str]], skip: Container[str] = ()) -> None:
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="guild-walk") as pool:
            for page in pages:
                self._page(pool, [g for g in page if g not in skip])
                self.on_page(page[-1])

    def _page(self, pool: ThreadPoolExecutor, guilds: list[str]) -> None:
        pending: dict[Future[T], str] = {}
        queue = iter(guilds)
        try:
            while True:
                while len(pending) < self.concurrency:  # bounded: never a future per guild of the fleet
                    guild = next(queue, None)
                    if guild is None:
                        break
                    pending[pool.submit(self.visit, guild)] = guild
                if not pending:
                    return
                # The real-time timeout only wakes the loop; the progress line reads the run's clock.
                finished, _ = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
                for future in finished:
                    guild = pending.pop(future)
                    result = future.result()  # a visit that raised stops the walk here
                    self.visited += 1
                    self.on_result(guild, result)
                    self.progress.step()
                if not finished:
                    self.progress.maybe_log()
        finally:
            for future in pending:
                future.cancel()
            # Results of visits already under way still count: record those that finished.
            for future, guild in pending.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    self.on_result(guild, future.result())
