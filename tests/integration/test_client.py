"""The Discord REST client against the emulator over loopback HTTP (no mocked client methods)."""

from __future__ import annotations

import socket
import time
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from alia_action import __version__
from alia_action.discord.client import DEFAULT_USER_AGENT, DiscordClient
from alia_action.discord.emulator import Emulator, Fault
from alia_action.discord.errors import (
    DailyCreateLimit,
    DiscordError,
    InvalidFormBody,
    MaxCommands,
    MissingAccess,
    NotAuthorizedOnApplication,
    RateLimited,
    ServerError,
    TransportError,
    Unauthorized,
    UnknownGuild,
    form_details,
    render_error_path,
)
from alia_action.discord.ratelimit import RateLimiter, route_key
from tests.support.discord_fixtures import (
    APP_ID,
    FOREIGN_GUILD_ID,
    GUILD_ID,
    OTHER_TOKEN,
    TOKEN,
    UNKNOWN_GUILD_ID,
    cmd,
    setup_emulator,
)
from tests.support.run_clock import RunClock

MakeClient = Callable[..., DiscordClient]


def api_requests(emulator: Emulator) -> list[tuple[str, int | None]]:
    return [(r.method, r.status) for r in emulator.requests]


# ---------------------------------------------------------------------------------------------
# the happy path


def test_overwrite_and_list_roundtrip(emulator: Emulator, make_client: MakeClient) -> None:
    client = make_client()
    stored = client.overwrite_commands(GUILD_ID, [cmd(name_localizations={"de": "pingen"})])
    assert [c["name"] for c in stored] == ["ping"]
    live = client.list_commands(GUILD_ID)
    assert live[0]["name_localizations"] == {"de": "pingen"}  # always with_localizations=true
    assert client.list_commands() == []  # global scope
    assert [(r.method, r.status) for r in client.requests] == [("PUT", 200), ("GET", 200), ("GET", 200)]
    assert client.request_count == 3 and client.invalid_responses == 0
    assert all(r.elapsed >= 0 and r.path.startswith("/applications/") for r in client.requests)
    get = emulator.requests[1]
    assert get.query == {"with_localizations": ["true"]}
    assert get.user_agent == DEFAULT_USER_AGENT
    assert f"DiscordBot (https://github.com/alia-bot/command-deploy, {__version__})" == DEFAULT_USER_AGENT


def test_client_passes_the_strict_user_agent_check(emulator: Emulator, make_client: MakeClient) -> None:
    emulator.strict_user_agent = True
    assert make_client().list_commands(GUILD_ID) == []


def test_an_empty_user_agent_is_explained(emulator: Emulator, make_client: MakeClient) -> None:
    with pytest.raises(DiscordError, match=r"blocked .*40333.*User-Agent") as info:
        make_client(user_agent="").list_commands(GUILD_ID)
    assert info.value.status == 403 and len(emulator.requests) == 1


def test_context_manager_and_bot_prefix_tolerated(emulator: Emulator) -> None:
    with DiscordClient(f"Bot {TOKEN}", APP_ID, emulator.url) as client:
        assert client.list_commands(GUILD_ID) == []


# ---------------------------------------------------------------------------------------------
# rate limits


def test_route_429_waits_retry_after_then_succeeds(emulator: Emulator, make_client: MakeClient) -> None:
    # The emulator's rate limits and the client's sleep share one hand-moved clock: the wait is an event.
    clock = RunClock()
    emulator.rate_clock = clock.now
    emulator.faults.add(Fault.rate_limit(0.2), method="PUT")
    client = make_client(sleep=clock.sleep, clock=clock.now)
    client.overwrite_commands(GUILD_ID, [cmd()])
    # It waited exactly retry_after on the shared clock ...
    assert clock.slept == pytest.approx(0.2, abs=0.002)
    assert api_requests(emulator) == [("PUT", 429), ("PUT", 200)]  # ... and long enough: no early retry
    assert client.invalid_responses == 1


def test_global_429_waits_retry_after_then_succeeds(emulator: Emulator, make_client: MakeClient) -> None:
    clock = RunClock()
    emulator.rate_clock = clock.now
    emulator.faults.at(1, Fault.rate_limit(0.25, is_global=True))
    client = make_client(sleep=clock.sleep, clock=clock.now)
    assert client.list_commands(GUILD_ID) == []
    assert clock.slept == pytest.approx(0.25, abs=0.002)
    assert api_requests(emulator) == [("GET", 429), ("GET", 200)]


def test_an_exhausted_bucket_is_waited_out_before_sending() -> None:
    clock = RunClock()
    with Emulator(bucket_limit=1, bucket_window=0.3, rate_clock=clock.now) as emu:
        setup_emulator(emu)
        with DiscordClient(TOKEN, APP_ID, emu.url, sleep=clock.sleep, clock=clock.now) as client:
            client.list_commands(GUILD_ID)
            assert clock.slept == 0
            client.list_commands(GUILD_ID)
            assert clock.slept == pytest.approx(0.3, abs=0.002)  # the bucket's window, as its headers said
            assert [r.status for r in emu.requests] == [200, 200]  # waited instead of earning a 429


def test_retry_after_beyond_the_bound_raises_without_waiting(emulator: Emulator, make_client: MakeClient) -> None:
    emulator.faults.add(Fault.rate_limit(30.0))
    slept: list[float] = []
    with pytest.raises(RateLimited, match="exceeds the bound") as info:
        make_client(max_rate_limit_wait=1.0, sleep=slept.append).list_commands(GUILD_ID)
    assert slept == []  # the client's own record of its waits, not the wall clock of a busy machine
    assert info.value.retry_after == 30.0 and len(emulator.requests) == 1


# ---------------------------------------------------------------------------------------------
# retries


def test_5xx_burst_is_retried_then_succeeds(emulator: Emulator, make_client: MakeClient) -> None:
    emulator.faults.add(Fault.server_error(502), times=1)
    emulator.faults.add(Fault.server_error(503), times=1)
    client = make_client()
    assert client.overwrite_commands(GUILD_ID, [cmd()])[0]["name"] == "ping"
    assert api_requests(emulator) == [("PUT", 502), ("PUT", 503), ("PUT", 200)]


def test_persistent_5xx_fails_clearly_within_the_bound(emulator: Emulator, make_client: MakeClient) -> None:
    emulator.faults.add(Fault.server_error(503), times=100)
    slept: list[float] = []
    client = make_client(max_attempts=4, backoff_initial=0.05, backoff_max=0.1, sleep=slept.append)
    with pytest.raises(ServerError) as info:
        client.overwrite_commands(GUILD_ID, [cmd()])
    assert len(slept) == 3 and all(0 < wait <= 0.1 for wait in slept)  # three backoffs, each within backoff-max
    assert len(emulator.requests) == 4
    message = str(info.value)
    assert "HTTP 503" in message and "4 attempts" in message and "giving up" in message
    assert info.value.status == 503


def test_total_retry_time_is_bounded(emulator: Emulator, make_client: MakeClient) -> None:
    emulator.faults.add(Fault.server_error(500), times=100)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    client = make_client(max_attempts=50, max_retry_time=0.5, backoff_initial=0.1, backoff_max=0.2, sleep=sleep)
    with pytest.raises(ServerError):
        client.list_commands(GUILD_ID)
    assert sum(slept) <= 0.5  # the retries stop before their waits would pass max-retry-time
    assert 2 <= len(emulator.requests) < 10


def test_dropped_connection_is_retried(emulator: Emulator, make_client: MakeClient) -> None:
    emulator.faults.add(Fault.drop(), method="PUT")
    client = make_client()
    assert [c["name"] for c in client.overwrite_commands(GUILD_ID, [cmd()])] == ["ping"]
    assert api_requests(emulator) == [("PUT", None), ("PUT", 200)]
    assert client.requests[0].status is None and "RemoteProtocolError" in (client.requests[0].error or "")


def test_write_applied_then_dropped_is_retried_idempotently(emulator: Emulator, make_client: MakeClient) -> None:
    emulator.faults.add(Fault.drop_after_write(), method="PUT")
    client = make_client()
    client.overwrite_commands(GUILD_ID, [cmd("a"), cmd("b")])
    assert [c["name"] for c in emulator.commands(APP_ID, GUILD_ID)] == ["a", "b"]
    assert emulator.daily_creates(APP_ID, GUILD_ID) == 2  # the retry created nothing new
    assert [(r.status, r.applied) for r in emulator.requests] == [(None, True), (200, True)]


def test_timeout_is_retried(emulator: Emulator, make_client: MakeClient) -> None:
    emulator.faults.add(Fault.slow(1.0))
    client = make_client(timeout=0.3)
    assert client.list_commands(GUILD_ID) == []
    assert [r.status for r in client.requests] == [None, 200]
    assert "timed out" in (client.requests[0].error or "")


def test_unreachable_host_is_a_transport_error_within_the_bound(make_client: MakeClient) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    client = make_client(base_url=f"http://127.0.0.1:{port}/api/v10", max_attempts=3)
    with pytest.raises(TransportError, match=r"no answer from 127\.0\.0\.1 .*3 attempts") as info:
        client.list_commands(GUILD_ID)
    assert client.request_count == 3
    assert_no_leak(info.value)


# ---------------------------------------------------------------------------------------------
# errors that must not be retried


def test_401_is_not_retried(emulator: Emulator, make_client: MakeClient) -> None:
    client = make_client(token="not-the-token")
    with pytest.raises(Unauthorized) as info:
        client.overwrite_commands(GUILD_ID, [cmd()])
    assert str(info.value) == "the bot token was rejected (401): check BOT_TOKEN"
    assert info.value.status == 401 and len(emulator.requests) == 1 and client.invalid_responses == 1


def test_missing_access_names_the_guild_and_the_fix(emulator: Emulator, make_client: MakeClient) -> None:
    with pytest.raises(MissingAccess) as info:
        make_client().list_commands(FOREIGN_GUILD_ID)
    message = str(info.value)
    assert message.startswith(
        f"the application is not in guild {FOREIGN_GUILD_ID} with the applications.commands scope (50001): re-invite"
    )
    assert f"client_id={APP_ID}" in message and info.value.code == 50001 and len(emulator.requests) == 1


def test_unknown_guild_and_foreign_application(emulator: Emulator, make_client: MakeClient) -> None:
    with pytest.raises(UnknownGuild, match=f"guild {UNKNOWN_GUILD_ID} .*10004"):
        make_client().list_commands(UNKNOWN_GUILD_ID)
    with pytest.raises(NotAuthorizedOnApplication, match="20012"):
        make_client(token=OTHER_TOKEN).list_commands(GUILD_ID)
    assert len(emulator.requests) == 2


def test_daily_create_limit_has_a_human_message_and_is_not_retried(emulator: Emulator, make_client: MakeClient) -> None:
    emulator.set_daily_creates(APP_ID, GUILD_ID, 200)
    with pytest.raises(DailyCreateLimit) as info:
        make_client().overwrite_commands(GUILD_ID, [cmd("brand-new")])
    assert str(info.value).startswith("daily create limit of 200 reached in this guild")
    assert info.value.code == 30034 and len(emulator.requests) == 1


def test_daily_create_limit_sent_as_429_is_not_waited_for(emulator: Emulator, make_client: MakeClient) -> None:
    body = {"message": "Max number of daily application command creates has been reached (200)", "code": 30034,
            "retry_after": 3600.0, "global": False}  # fmt: skip
    emulator.faults.add(Fault.respond(429, body, {"Retry-After": "3600"}))
    with pytest.raises(DailyCreateLimit, match="for global commands"):
        make_client().overwrite_commands(None, [cmd()])
    assert len(emulator.requests) == 1


def test_max_commands_is_explained(emulator: Emulator, make_client: MakeClient) -> None:
    with pytest.raises(MaxCommands, match="15 user"):
        make_client().overwrite_commands(GUILD_ID, [{"type": 2, "name": f"User {i}"} for i in range(16)])


def test_invalid_form_body_paths_name_the_command(emulator: Emulator, make_client: MakeClient) -> None:
    options = [{"type": 3, "name": f"opt{i}", "description": "An option"} for i in range(3)]
    options.append({"type": 3, "name": "x" * 40, "description": "Too long a name"})
    body = [cmd("ping"), cmd("config", options=options), cmd("Bad")]
    with pytest.raises(InvalidFormBody) as info:
        make_client().overwrite_commands(GUILD_ID, body)
    err = info.value
    assert err.code == 50035 and err.status == 400 and len(emulator.requests) == 1
    assert ("config.options[3].name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.") in err.details
    assert ("Bad.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid") in err.details
    assert "config.options[3].name: Must be between 1 and 32 in length." in str(err)
    assert emulator.commands(APP_ID, GUILD_ID) == []


def test_error_paths_render_for_bulk_single_and_root_errors() -> None:
    body = [{"name": "a"}, {"description": "nameless"}]
    assert render_error_path(["1", "options", "0", "choices", "2", "value"], body) == "[1].options[0].choices[2].value"
    assert render_error_path(["0"], body) == "a"
    assert render_error_path(["name"], {"name": "solo"}) == "solo.name"
    tree = {
        "_errors": [{"code": "LIST_TYPE_CONVERT", "message": "m"}],
        "0": {"_errors": [{"code": "C", "message": "t"}]},
    }
    assert form_details(tree, body) == [("", "LIST_TYPE_CONVERT", "m"), ("a", "C", "t")]


# ---------------------------------------------------------------------------------------------
# the token never leaks


def assert_no_leak(error: BaseException) -> None:
    rendered = "".join(traceback.format_exception(error))
    for text in (str(error), repr(error), rendered, repr(vars(error))):
        assert TOKEN not in text
    seen: BaseException | None = error
    while seen is not None:  # no httpx exception (which holds the request headers) in the chain
        assert not isinstance(seen, httpx.HTTPError), type(seen)
        seen = seen.__cause__ or seen.__context__


def test_the_token_is_absent_from_every_error_and_the_client(emulator: Emulator, make_client: MakeClient) -> None:
    errors: list[DiscordError] = []

    def collect(action: Callable[[], Any]) -> None:
        with pytest.raises(DiscordError) as info:
            action()
        errors.append(info.value)

    client = make_client()
    collect(lambda: make_client(token=TOKEN + "x").list_commands(GUILD_ID))  # 401
    collect(lambda: client.list_commands(FOREIGN_GUILD_ID))  # 50001
    collect(lambda: client.list_commands(UNKNOWN_GUILD_ID))  # 10004
    collect(lambda: client.overwrite_commands(GUILD_ID, [cmd(TOKEN[:32])]))  # 50035 echoing odd input
    emulator.faults.add(Fault.server_error(500), times=10)
    collect(lambda: client.list_commands(GUILD_ID))  # 5xx
    emulator.faults.clear()
    emulator.faults.add(Fault.drop(), times=10)
    collect(lambda: client.list_commands(GUILD_ID))  # transport
    emulator.faults.clear()
    emulator.faults.add(Fault.rate_limit(99.0))
    collect(lambda: client.list_commands(GUILD_ID))  # rate limited beyond the bound
    emulator.faults.add(Fault.respond(400, {"message": f"echo {TOKEN}", "code": 1}))
    collect(lambda: make_client().list_commands(GUILD_ID))  # even if Discord echoed it (a fresh limiter)
    assert [type(e).__name__ for e in errors] == [
        "Unauthorized", "MissingAccess", "UnknownGuild", "InvalidFormBody", "ServerError", "TransportError",
        "RateLimited", "DiscordError",
    ]  # fmt: skip
    for error in errors:
        assert_no_leak(error)
    for text in (repr(client), str(client), repr(client.requests)):
        assert TOKEN not in text
    assert "token=<redacted>" in repr(client)
    assert TOKEN not in repr([r.to_dict() for r in emulator.requests])


def test_tokens_that_cannot_be_sent_are_refused_without_echo() -> None:
    with pytest.raises(ValueError, match="check BOT_TOKEN") as info:
        DiscordClient("abc\ndef-secret", APP_ID)
    assert "secret" not in str(info.value)


# ---------------------------------------------------------------------------------------------
# the limiter on its own (pure)


def test_limiter_reads_headers_per_bucket_and_major_parameters() -> None:
    now = [100.0]
    limiter = RateLimiter(clock=lambda: now[0])
    a = route_key("GET", "/applications/1/guilds/2/commands")
    b = route_key("GET", "/applications/1/guilds/3/commands")
    assert route_key("PATCH", "/applications/1/commands/99") == "PATCH /applications/1/commands/{id}"
    limiter.update(a, {"x-ratelimit-bucket": "h", "x-ratelimit-remaining": "0", "x-ratelimit-reset-after": "1.5"})
    limiter.update(b, {"x-ratelimit-bucket": "h", "x-ratelimit-remaining": "3", "x-ratelimit-reset-after": "1.5"})
    assert limiter.delay(a) == 1.5 and limiter.delay(b) == 0.0
    now[0] += 1.0
    assert limiter.delay(a) == pytest.approx(0.5)
    limiter.on_429(b, 0.25, is_global=False)
    assert limiter.delay(b) == pytest.approx(0.25)
    limiter.on_429(b, 2.0, is_global=True)
    assert limiter.delay(route_key("PUT", "/applications/9/commands")) == pytest.approx(2.0)
