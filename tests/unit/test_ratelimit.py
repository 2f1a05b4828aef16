"""The rate-limit engine on its own, on an injected clock: the global 50 a second, buckets from the headers per
guild, state that stays flat over thousands of guilds, and the invalid-answer window and budget."""

from __future__ import annotations

import pytest

from alia_action.discord.errors import InvalidBudgetExhausted
from alia_action.discord.ratelimit import InvalidAnswers, RateLimiter, route_key


def test_the_global_limit_lets_fifty_go_and_holds_the_fifty_first_until_the_window_moves() -> None:
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0], global_rate=50, global_window=1.05)
    routes = [route_key("GET", f"/applications/1/guilds/{g}/commands") for g in range(51)]
    assert all(limiter.reserve(r) == 0.0 for r in routes[:50])
    assert limiter.reserve(routes[50]) == pytest.approx(1.05)
    now[0] = 1.05
    assert limiter.reserve(routes[50]) == 0.0


def test_a_bucket_learned_from_one_guild_paces_each_guild_by_its_own_remaining() -> None:
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0], global_rate=None)
    a, b = (route_key("GET", f"/applications/1/guilds/{g}/commands") for g in (2, 3))
    limiter.update(a, {"x-ratelimit-bucket": "h", "x-ratelimit-remaining": "1", "x-ratelimit-reset-after": "2"})
    assert limiter.reserve(a) == 0.0 and limiter.reserve(a) == pytest.approx(2.0)
    assert limiter.reserve(b) == 0.0  # same bucket hash, another guild: its own count


def test_bucket_state_stays_flat_over_thousands_of_guilds() -> None:
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0], global_rate=None)
    for guild in range(5000):
        route = route_key("GET", f"/applications/1/guilds/{guild}/commands")
        limiter.update(route, {"x-ratelimit-bucket": "h", "x-ratelimit-remaining": "4", "x-ratelimit-reset-after": "1"})
        now[0] += 0.02
    assert limiter.tracked < 300


def test_invalid_answers_count_in_a_sliding_ten_minutes_and_shared_429s_do_not() -> None:
    now = [0.0]
    answers = InvalidAnswers(budget=3, clock=lambda: now[0])
    answers.record(429, {"x-ratelimit-scope": "shared"})
    answers.record(404, {})
    answers.record(401, {})
    now[0] = 100.0
    answers.record(403, {})
    answers.record(429, {"x-ratelimit-scope": "user"})
    with pytest.raises(InvalidBudgetExhausted) as stopped:
        answers.check()
    assert stopped.value.retry_after == pytest.approx(500.0)  # at 600 s, when the 401 of 0 s leaves the window
    assert "It can continue in 500 s" in str(stopped.value)
    now[0] = 600.0  # the 401 has left: two in the window, one more may come
    answers.check()
    assert answers.in_window == 2 and answers.total == 3 and answers.peak == 3
