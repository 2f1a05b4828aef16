"""Fixtures shared by the handler tests: a workspace with the example commands, an emulator, settings."""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from alia_action.config import Settings
from alia_action.discord.client import DiscordClient
from alia_action.discord.emulator import Emulator
from alia_action.runtime import Runtime
from tests.support.actions_runner import GITHUB_TOKEN
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID, TOKEN, setup_emulator
from tests.support.discord_standin import DiscordStandIn
from tests.support.examples import FULL_TIER
from tests.support.github_standin import GitHubStandIn
from tests.support.ids import ascii_id
from tests.support.mutant_runs import for_mutant, mutant_under_test, test_times
from tests.support.run_clock import RunClock

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "commands"
TESTS = Path(__file__).resolve().parent

# Tiers, by folder: plain ``pytest`` runs unit and integration (the inner loop); ``--e2e`` adds tests/e2e (the
# entrypoint, the CLI, the image build, the docs), as .ci/run and README set-up command 2 do. A new file under
# tests/e2e joins the end-to-end tier by where it sits, with no marker to forget.
E2E = TESTS / "e2e"


# A failure prints the blob that replays it exactly (@reproduce_failure), beside the run's seed.
hypothesis_settings.register_profile("command-deploy", print_blob=True)
# Under mutmut (tools/mutation.sh) each mutant reruns the tests that reach it: fewer generated examples there.
hypothesis_settings.register_profile("mutants", print_blob=True, max_examples=20)
hypothesis_settings.load_profile("mutants" if os.environ.get("MUTANT_UNDER_TEST") else "command-deploy")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--e2e",
        action="store_true",
        default=False,
        help="also run tests/e2e (the entrypoint, the CLI, the image build, the docs): the full suite",
    )


WORKERS_PER_CORE = 3


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: three workers per core. Most of the suite's wall time is waiting, not computing (loopback
    servers, retries that honour Discord's and GitHub's Retry-After): on 2 cores the fast tier (3,864 tests) took
    248 s with 2 workers, 146 s with 4, 123 s with 6, for about the same CPU time."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return WORKERS_PER_CORE * cores


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: under tests/e2e; runs only with --e2e")
    if config.getoption("e2e"):
        os.environ[FULL_TIER] = "1"  # Hypothesis tests generate their full counts (tests/support/examples.py)
    # One Hypothesis seed for the run, said in the header and again on failure, so a failure found by chance
    # reruns with --hypothesis-seed=N. Failing examples are also kept in .hypothesis/ and replayed first.
    if config.getoption("hypothesis_seed", None) is None:
        config.option.hypothesis_seed = os.environ.get("HYPOTHESIS_SEED") or str(random.randrange(2**32))


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """A text parameter's id in ASCII (tests/support/ids.py says why); other values keep pytest's own."""
    return ascii_id(val) if isinstance(val, str) and not val.isascii() else None


def pytest_report_header(config: pytest.Config) -> str:
    tiers = "unit, integration, e2e" if config.getoption("e2e") else "unit, integration (add --e2e for tests/e2e)"
    return f"tiers: {tiers}; hypothesis seed: {config.getoption('hypothesis_seed')}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    outside: list[pytest.Item] = []
    kept: list[pytest.Item] = []
    for item in items:
        if item.path.is_relative_to(E2E):
            item.add_marker(pytest.mark.e2e)
            # One worker runs the whole e2e tier in order, as before: its tests share the repository root (the
            # README's lines, the CLI's local Discord file) and the image build.
            item.add_marker(pytest.mark.xdist_group("e2e"))
            if not config.getoption("e2e"):
                outside.append(item)
                continue
        kept.append(item)
    mutant = mutant_under_test()
    if mutant is not None:  # under tools/mutation.sh: see tests/support/mutant_runs.py
        kept, left = for_mutant(mutant, kept, test_times(config.rootpath))
        outside += left
    if outside:
        config.hook.pytest_deselected(items=outside)
    items[:] = kept


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "workspace"
    shutil.copytree(EXAMPLES, ws / "commands")
    return ws


@pytest.fixture
def live() -> Iterator[Emulator]:
    """A running emulator with the test application installed in the staging guild."""
    with Emulator() as emu:
        setup_emulator(emu)
        yield emu


@pytest.fixture
def activity_live() -> Iterator[Emulator]:
    """The emulator of ``live`` with the test applications as apps with an Activity: Discord's auto-created
    "launch" entry point (type 4, handler 2) is live in their global commands, and a bulk overwrite that leaves
    it out is refused (400 50240), as real Discord does."""
    with Emulator(activity=True) as emu:
        setup_emulator(emu)
        yield emu


@pytest.fixture
def new_app_live() -> Iterator[Emulator]:
    """The emulator of ``live`` with the test applications as new apps: their global commands come back with
    ``integration_types`` [0, 1] and ``contexts`` [0, 1, 2] when a write leaves those out."""
    with Emulator(new_app=True) as emu:
        setup_emulator(emu)
        yield emu


@pytest.fixture(name="emulator")
def emulator_fixture(live: Emulator) -> Emulator:
    """The same emulator, under the name the client and emulator tests use."""
    return live


@pytest.fixture(name="emu")
def emu_fixture(live: Emulator) -> Emulator:
    """The same emulator, under the name the hostile-input tests use."""
    return live


@pytest.fixture
def make_client(live: Emulator) -> Iterator[Callable[..., DiscordClient]]:
    """``make_client(**overrides)`` → a DiscordClient on the emulator with fast retry bounds."""
    clients: list[DiscordClient] = []

    def factory(**overrides: Any) -> DiscordClient:
        kwargs = {**FAST, **overrides}
        token = kwargs.pop("token", TOKEN)
        app_id = kwargs.pop("application_id", APP_ID)
        base_url = kwargs.pop("base_url", live.url)
        client = DiscordClient(token, app_id, base_url, **kwargs)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def run_clock() -> RunClock:
    """The run's clock, shared by the fleet emulator's rate limits and the client: waits cost no real time."""
    return RunClock()


@pytest.fixture
def fleet(run_clock: RunClock) -> Iterator[Emulator]:
    """An emulator serving the test application's fleet at a small global limit (10 requests a second of the run's
    clock, Discord's shape at a fifth of its rate; clients pace at 5 a second, so threads that wake late on the
    shared clock stay under it): add guilds with ``fleet.add_fleet(APP_ID, ...)``."""
    with Emulator(global_limit=10, bucket_limit=5, rate_clock=run_clock.now) as emu:
        setup_emulator(emu)
        yield emu


@pytest.fixture
def gh() -> Iterator[GitHubStandIn]:
    """The loopback GitHub stand-in, accepting the tests' GitHub token."""
    with GitHubStandIn(token=GITHUB_TOKEN) as standin:
        yield standin


SettingsFactory = Callable[..., Settings]


@pytest.fixture
def make_settings(live: Emulator) -> SettingsFactory:
    """Settings as the CLI would build them, pointed at the emulator; keyword arguments override."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "commands": "commands",
            "bot_token": TOKEN,
            "application_id": APP_ID,
            "guild_id": GUILD_ID,
            "discord_api_url": live.url,
        }
        values.update({k: v for k, v in overrides.items()})
        return Settings.from_cli(values, {}, None)

    return make


@pytest.fixture
def ctx(workspace: Path) -> Iterator[Runtime]:
    context = Runtime(workspace=workspace, client_options=dict(FAST))
    yield context
    context.close()


@pytest.fixture(name="server", scope="module", params=["emulator", "stand-in"])
def both_servers(request: pytest.FixtureRequest) -> Iterator[str]:
    """The API base URL of the emulator, then of this stand-in, each with the test application (and guild)."""
    if request.param == "emulator":
        with Emulator(bucket_limit=100_000, daily_create_limit=10**9) as emu:
            setup_emulator(emu)
            yield emu.url
    else:
        with DiscordStandIn(APP_ID, TOKEN) as running:
            yield running.url


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """moto in server mode for the module's S3 tests (reset by each test that uses it)."""
    from tests.support.oidc_standin import moto_server

    with moto_server() as url:
        yield url


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker: hand this worker's tallies to the controller, which prints the summary."""
    output = getattr(session.config, "workeroutput", None)
    if output is None:
        return
    from dataclasses import asdict

    from tests.support import fault_tally, hostile_tally, hygiene_tally

    output["tallies"] = {
        "faults": [asdict(o) for o in fault_tally.OBSERVED],
        "hostile": asdict(hostile_tally.TALLY),
        "hygiene": list(hygiene_tally.SUMMARY),
    }


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the xdist controller: add a finished worker's tallies to this process's (summed, not per worker)."""
    from tests.support import fault_tally, hostile_tally, hygiene_tally

    tallies = getattr(node, "workeroutput", {}).get("tallies")
    if not tallies:
        return
    fault_tally.OBSERVED.extend(
        fault_tally.Observation(**{k: tuple(v) if isinstance(v, list) else v for k, v in o.items()})
        for o in tallies["faults"]
    )
    for field, value in tallies["hostile"].items():
        setattr(hostile_tally.TALLY, field, getattr(hostile_tally.TALLY, field) + value)
    hygiene_tally.SUMMARY.extend(tallies["hygiene"])


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The fault-injection, hostile-input and secret-hygiene tallies, for CI logs and closing notes."""
    from tests.support import fault_tally, hostile_tally, hygiene_tally

    if terminalreporter.stats.get("failed"):
        seed = terminalreporter.config.getoption("hypothesis_seed")
        terminalreporter.write_line(f"hypothesis seed of this run: {seed} (rerun with --hypothesis-seed={seed})")

    if fault_tally.OBSERVED:
        terminalreporter.write_line(fault_tally.summary_line())
    if fault_tally.RACES.trials:
        terminalreporter.write_line(fault_tally.races_line())
    if hostile_tally.TALLY.runs:
        terminalreporter.write_line(hostile_tally.summary_line())
    for line in hygiene_tally.SUMMARY:
        terminalreporter.write_line(line)
