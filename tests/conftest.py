"""Fixtures shared by the handler tests: a workspace with the example commands, an emulator, settings."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from alia_action.config import Settings
from alia_action.discord.emulator import Emulator
from alia_action.runtime import Runtime
from tests.discord_fixtures import APP_ID, FAST, GUILD_ID, TOKEN, setup_emulator

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "commands"


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


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The fault-injection, hostile-input and secret-hygiene tallies, for CI logs and closing notes."""
    import sys

    module = sys.modules.get("tests.test_faults")
    if module is not None and module.OBSERVED:
        terminalreporter.write_line(module.summary_line())
    hostile = sys.modules.get("tests.test_hostile_inputs")
    if hostile is not None and hostile.TALLY.runs:
        terminalreporter.write_line(hostile.summary_line())
    hygiene = sys.modules.get("tests.test_secret_hygiene")
    for line in hygiene.SUMMARY if hygiene is not None else []:
        terminalreporter.write_line(line)
