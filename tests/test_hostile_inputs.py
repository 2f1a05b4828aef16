"""Hostile inputs: answers, files, paths and values that must never cost commands, hang or leave the workspace.

Each test reproduces one finding of issue 13 and counts what it threw at the tool in :data:`TALLY`; the
summary line is printed at the end of the session (see conftest.pytest_terminal_summary):

    hostile inputs: N malformed answers, N file kinds, N huge and endless files, N paths outside the
    workspace, N bad values; N runs, N writes after bad input (0), N hangs (0)

A "write after bad input" is any PUT/POST/PATCH/DELETE the emulator saw after it answered a malformed
body or while a command source was unusable; a "hang" is a subprocess that did not finish within its
(generous) timeout.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from alia_action.config import Settings
from alia_action.discord.client import DiscordClient
from alia_action.discord.emulator import Emulator, Fault
from alia_action.discord.errors import MalformedResponse
from alia_action.errors import DeployError
from alia_action.handlers import stage
from alia_action.handlers.context import Context
from alia_action.stores.backups import LocalBackupStore
from tests.discord_fixtures import APP_ID, FAST, GUILD_ID, TOKEN, setup_emulator

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "commands"
WRITES = frozenset({"PUT", "POST", "PATCH", "DELETE"})
HANG_TIMEOUT = 120.0  # generous: a 4x slower machine finishes these in seconds; a hang never does


@dataclass
class Tally:
    malformed_answers: int = 0
    file_kinds: int = 0
    huge_files: int = 0
    outside_paths: int = 0
    bad_values: int = 0
    runs: int = 0
    writes_after_bad_input: int = 0
    hangs: int = 0


TALLY = Tally()


def summary_line() -> str:
    t = TALLY
    return (
        f"hostile inputs: {t.malformed_answers} malformed answers, {t.file_kinds} file kinds, "
        f"{t.huge_files} huge and endless files, {t.outside_paths} paths outside the workspace, "
        f"{t.bad_values} bad values; {t.runs} runs, {t.writes_after_bad_input} writes after bad input, "
        f"{t.hangs} hangs"
    )


def writes(emu: Emulator, since: int = 0) -> list[str]:
    return [f"{r.method} {r.path}" for r in emu.requests[since:] if r.method in WRITES]


def count_writes(emu: Emulator, since: int = 0) -> int:
    found = len(writes(emu, since))
    TALLY.writes_after_bad_input += found
    return found


def run_subprocess(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run with a generous timeout; a timeout is counted as a hang and fails the test."""
    TALLY.runs += 1
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=HANG_TIMEOUT, check=False, **kwargs)
    except subprocess.TimeoutExpired:
        TALLY.hangs += 1
        pytest.fail(f"hung: {args} did not finish within {HANG_TIMEOUT:.0f} s")


@pytest.fixture
def emu() -> Any:
    with Emulator() as emulator:
        yield setup_emulator(emulator)


def settings_for(emu: Emulator, **overrides: Any) -> Settings:
    values = {
        "commands": "commands",
        "bot_token": TOKEN,
        "application_id": APP_ID,
        "guild_id": GUILD_ID,
        "discord_api_url": emu.url,
        **overrides,
    }
    return Settings.from_cli(values, {}, None)


def make_workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLES, ws / "commands")
    return ws


def run_stage(ws: Path, settings: Settings) -> DeployError | None:
    TALLY.runs += 1
    ctx = Context(workspace=ws, client_options=dict(FAST))
    try:
        stage.run(settings, ctx)
    except DeployError as exc:
        return exc
    finally:
        ctx.close()
    return None


# ------------------------------------------------------------------------------------------ malformed answers
# A 2xx whose body is not the documented shape (a captive portal's page, a proxy's JSON) is an error that
# writes nothing; the deletion guard and the backup never see "no live commands" from it.

MALFORMED: dict[str, Fault] = {
    "html page": Fault.raw(200, "<html>oops</html>"),
    "empty 200": Fault.raw(200, "", "application/json"),
    "truncated json": Fault.raw(200, '[{"id": "1", "name": "ping"', "application/json"),
    "json string": Fault.respond(200, "oops"),
    "json object": Fault.respond(200, {"message": "ok"}),
    "json null": Fault.raw(200, "null", "application/json"),
    "list of strings": Fault.respond(200, ["ping", "pong"]),
    "list of objects without id": Fault.respond(200, [{"name": "ping"}]),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_plan_answer_writes_nothing_and_keeps_every_command(
    case: str, emu: Emulator, tmp_path: Path
) -> None:
    ws = make_workspace(tmp_path)
    assert run_stage(ws, settings_for(emu, action="stage")) is None
    before = emu.commands(APP_ID, GUILD_ID)
    assert before
    (ws / "commands" / "fun" / "quote.json").unlink()  # a removal the guard below refuses
    backups = LocalBackupStore(ws / "command-backups").list()
    start = len(emu.requests)

    emu.faults.add(MALFORMED[case], method="GET", path=r"/guilds/\d+/commands$")
    TALLY.malformed_answers += 1
    error = run_stage(ws, settings_for(emu, action="stage", max_deletions="0"))

    assert isinstance(error, DeployError), "a malformed answer must fail the run"
    message = str(error)
    assert "not what the API documents" in message and "HTTP 200" in message, message
    assert "nothing was written" in message
    assert "Traceback" not in message and TOKEN not in message
    assert count_writes(emu, start) == 0
    assert emu.commands(APP_ID, GUILD_ID) == before
    assert LocalBackupStore(ws / "command-backups").list() == backups, "no backup of a set that was never read"


def test_the_message_names_status_content_type_and_first_bytes_redacted(emu: Emulator) -> None:
    page = f"<html><body>Sign in to the hotel wifi. Your header was Bot {TOKEN}</body></html>" + "x" * 500
    emu.faults.add(Fault.raw(200, page))
    TALLY.malformed_answers += 1
    TALLY.runs += 1
    with DiscordClient(TOKEN, APP_ID, base_url=emu.url, **FAST) as client, pytest.raises(MalformedResponse) as caught:
        client.list_commands(GUILD_ID)
    message = str(caught.value)
    assert "HTTP 200" in message and "text/html" in message and "<html><body>Sign in" in message
    assert f"{len(page.encode())} bytes" in message
    assert TOKEN not in message and TOKEN not in repr(caught.value)
    assert len(message) < 600, "the first bytes, not the whole page"


@pytest.mark.parametrize("case", ["html page", "json object", "list of strings"])
def test_a_malformed_answer_to_the_write_is_settled_by_the_verification(
    case: str, emu: Emulator, tmp_path: Path
) -> None:
    """The write's answer is never used as the new state: the verification GET decides what is live."""
    ws = make_workspace(tmp_path)
    assert run_stage(ws, settings_for(emu, action="stage")) is None
    before = emu.commands(APP_ID, GUILD_ID)
    games = ws / "commands" / "fun" / "games.json"
    games.write_text(games.read_text(encoding="utf-8").replace("Flip a coin", "Flip a shiny coin"), "utf-8")
    emu.faults.add(MALFORMED[case], method="PUT")  # answered by a proxy: the write never reached Discord
    TALLY.malformed_answers += 1
    error = run_stage(ws, settings_for(emu, action="stage"))
    assert isinstance(error, DeployError)
    assert "still hold(s) the previous set" in str(error) and "not what the API documents" in str(error)
    assert emu.commands(APP_ID, GUILD_ID) == before


def test_a_malformed_verification_answer_fails_without_claiming_success(emu: Emulator, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    verify = len(emu.requests) + 3  # GET (plan), PUT, GET (verify)
    emu.faults.at(verify, Fault.raw(200, "<html>oops"))
    TALLY.malformed_answers += 1
    error = run_stage(ws, settings_for(emu, action="stage"))
    assert isinstance(error, DeployError)
    assert "verification could not read the live commands" in str(error)
    assert "not what the API documents" in str(error)
    assert [r.method for r in emu.requests] == ["GET", "PUT", "GET"]
