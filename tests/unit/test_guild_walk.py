"""The guild walk's pacing (``steps/guild_walk.py``): the progress line's words, rate and estimate on a clock the
test moves by hand, when a line is due, and the walk's order of results and pages with visits that are plain
functions (no Discord: the walk is generic over its visit)."""

from __future__ import annotations

import threading

import pytest

from alia_action.steps.guild_walk import CONCURRENCY, Progress, Walk


class Clock:
    """The run's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def progress(total: int, clock: Clock | None = None) -> tuple[Progress, list[str]]:
    lines: list[str] = []
    return Progress(clock or Clock(), lines.append, total), lines


# --- the line ---------------------------------------------------------------------------------------------------


def test_a_line_says_done_total_share_rate_and_what_is_left() -> None:
    clock = Clock()
    p, _ = progress(2_000, clock)
    p.begin(0)
    p.step(1_500)
    assert p.line(100.0) == "inventory: 1,500/2,000 guilds (75%), 15.0 guilds/s, about 33 s left"


def test_a_resumed_walk_rates_only_this_runs_guilds() -> None:
    clock = Clock()
    p, _ = progress(1_000, clock)
    p.begin(600)  # read by an earlier run
    p.step(30)
    p.step()
    p.step(9)
    assert (p.done, p.line(8.0)) == (640, "inventory: 640/1,000 guilds (64%), 5.0 guilds/s, about 72 s left")


def test_before_any_guild_of_this_run_the_estimate_is_pending() -> None:
    clock = Clock()
    clock.now = 50.0
    p, _ = progress(100, clock)
    p.begin(40)
    assert p.line(50.0) == "inventory: 40/100 guilds (40%), 0.0 guilds/s, estimate pending"
    assert p.line(60.0) == "inventory: 40/100 guilds (40%), 0.0 guilds/s, estimate pending"


def test_a_fleet_of_none_has_no_share() -> None:
    p, _ = progress(0)
    p.begin(0)
    assert p.line(5.0) == "inventory: 0/0 guilds, 0.0 guilds/s, estimate pending"


def test_more_done_than_listed_leaves_nothing() -> None:
    """Guilds joined during the walk: more read than the count taken at the start."""
    p, _ = progress(10)
    p.begin(9)
    p.step(2)
    assert p.line(200.0) == "inventory: 11/10 guilds (110%), 0.0 guilds/s, about 0 s left"


def test_the_rate_of_a_walk_under_a_second_old_counts_its_fraction_of_a_second() -> None:
    p, _ = progress(100)
    p.begin(0)
    p.step(5)
    assert p.line(0.25) == "inventory: 5/100 guilds (5%), 20.0 guilds/s, about 5 s left"


@pytest.mark.parametrize(
    ("left", "estimate"),
    [
        (89, "89 s"),
        (90, "2 min"),
        (5_340, "89 min"),
        (5_399, "90 min"),
        (5_400, "1.5 h"),
        (8_101, "2.3 h"),
        (36_000, "10.0 h"),
    ],
)
def test_the_estimate_is_in_seconds_then_minutes_then_hours(left: int, estimate: str) -> None:
    p, _ = progress(10 + left)
    p.begin(0)
    p.step(10)
    assert p.line(10.0).endswith(f", 1.0 guilds/s, about {estimate} left")


# --- when a line is due -----------------------------------------------------------------------------------------


def test_a_line_comes_when_ten_seconds_of_the_clock_have_passed_since_the_last() -> None:
    clock = Clock()
    clock.now = 100.0
    p, lines = progress(1_000, clock)
    p.begin(0)
    p.maybe_log()
    for at in (100.0, 105.0, 109.9):
        clock.now = at
        p.step(50)
    assert lines == []
    clock.now = 110.0
    p.step(50)
    assert lines == ["inventory: 200/1,000 guilds (20%), 20.0 guilds/s, about 40 s left"]
    clock.now = 119.9
    p.maybe_log()
    assert len(lines) == 1
    clock.now = 120.0
    p.maybe_log()
    assert lines[1:] == ["inventory: 200/1,000 guilds (20%), 10.0 guilds/s, about 80 s left"]


# --- the walk ---------------------------------------------------------------------------------------------------


def test_a_walk_in_one_lane_visits_in_order_records_each_result_and_each_page() -> None:
    events: list[str] = []
    p, _ = progress(7)
    p.begin(0)
    walk: Walk[str] = Walk(
        lambda g: f"read {g}", lambda g, r: events.append(f"{g}: {r}"), lambda last: events.append(f"page {last}"), p, 1
    )
    walk.run([["1", "2", "3"], ["4", "5"], ["6", "7"]], skip={"2", "6", "7"})
    assert events == ["1: read 1", "3: read 3", "page 3", "4: read 4", "5: read 5", "page 5", "page 7"]
    assert (walk.visited, p.done) == (4, 4)


@pytest.mark.parametrize("concurrency", [0, 1])
def test_a_walk_has_at_least_one_lane(concurrency: int) -> None:
    seen: list[str] = []
    p, _ = progress(3)
    p.begin(0)
    walk: Walk[str] = Walk(lambda g: g, lambda g, r: seen.append(r), lambda last: None, p, concurrency)
    walk.run([["1", "2", "3"]])
    assert (walk.concurrency, seen, walk.visited) == (1, ["1", "2", "3"], 3)


def test_many_lanes_record_every_guild_once_and_a_page_after_its_guilds() -> None:
    events: list[tuple[str, str]] = []
    lock = threading.Lock()

    def on_result(guild: str, result: int) -> None:
        with lock:
            events.append(("guild", guild))
        assert result == int(guild) * 2

    p, _ = progress(450)
    p.begin(0)
    walk: Walk[int] = Walk(lambda g: int(g) * 2, on_result, lambda last: events.append(("page", last)), p, 8)
    pages = [[str(g) for g in range(start, min(start + 200, 450))] for start in range(0, 450, 200)]
    walk.run(pages)
    assert [e for e in events if e[0] == "page"] == [("page", "199"), ("page", "399"), ("page", "449")]
    at = [events.index(("page", last)) for last in ("199", "399", "449")]
    assert sorted(int(g) for _, g in events[: at[0]]) == list(range(200))
    assert sorted(int(g) for _, g in events[at[0] + 1 : at[1]]) == list(range(200, 400))
    assert sorted(int(g) for _, g in events[at[1] + 1 : at[2]]) == list(range(400, 450))
    assert (walk.visited, p.done) == (450, 450)


def test_the_walk_keeps_its_lanes_full_on_threads_of_its_own() -> None:
    """``concurrency`` visits in flight at once (each waits here until all of them have started), on the walk's
    named threads (they name the walk in a thread dump)."""
    everyone = threading.Barrier(CONCURRENCY, timeout=60)
    threads: set[str] = set()

    def visit(guild: str) -> str:
        threads.add(threading.current_thread().name)
        everyone.wait()
        return guild

    p, _ = progress(2 * CONCURRENCY)
    p.begin(0)
    walk: Walk[str] = Walk(visit, lambda g, r: None, lambda last: None, p)
    walk.run([[str(g) for g in range(2 * CONCURRENCY)]])
    assert walk.visited == 2 * CONCURRENCY
    assert all(name.startswith("guild-walk_") for name in threads) and 0 < len(threads) <= CONCURRENCY


def test_a_progress_line_comes_while_every_lane_is_still_waiting() -> None:
    """Visits that wait long (a rate limit's pause) still let the walk say how far it got: it wakes while none has
    finished. The visit here waits for that line; the run's clock has moved 30 s meanwhile."""
    clock = Clock()
    logged = threading.Event()
    lines: list[str] = []

    def log(line: str) -> None:
        lines.append(line)
        logged.set()

    def visit(guild: str) -> bool:
        clock.now = 30.0
        return logged.wait(timeout=60)

    p = Progress(clock, log, 1)
    p.begin(0)
    results: list[bool] = []
    walk: Walk[bool] = Walk(visit, lambda g, r: results.append(r), lambda last: None, p, 1)
    walk.run([["1"]])
    assert results == [True]
    assert lines[0] == "inventory: 0/1 guilds (0%), 0.0 guilds/s, estimate pending"


def test_a_visit_that_raises_stops_the_walk_and_no_later_guild_is_visited() -> None:
    visited: list[str] = []
    recorded: list[str] = []
    pages: list[str] = []

    def visit(guild: str) -> str:
        visited.append(guild)
        if guild == "3":
            raise RuntimeError("budget spent")
        return guild

    p, _ = progress(6)
    p.begin(0)
    walk: Walk[str] = Walk(visit, lambda g, r: recorded.append(r), pages.append, p, 1)
    with pytest.raises(RuntimeError, match="budget spent"):
        walk.run([["1", "2"], ["3", "4"], ["5", "6"]])
    assert (visited, recorded, pages, walk.visited) == (["1", "2", "3"], ["1", "2"], ["2"], 2)
