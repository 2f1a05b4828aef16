"""Hostile inputs: answers, files, paths and values that must never cost commands, hang or leave the workspace.

Each test reproduces one finding of issue 13 and counts what it threw at the tool in :data:`TALLY`; the
summary line is printed at the end of the session (see conftest.pytest_terminal_summary):

    hostile inputs: N malformed answers, N file kinds, N huge and endless files, N paths outside the
    workspace, N bad values, N answers echoing the token across a cut, N bad record lines, N hostile requests
    to the served emulator; N runs, N writes after bad input (0), N states lost (0), N hangs (0),
    N token pieces leaked (0)

A "write after bad input" is any PUT/POST/PATCH/DELETE the emulator saw after it answered a malformed
body or while a command source was unusable; a "state lost" is a live command set that differs after such
a run from what it was before; a "hang" is a run that did not finish within its (generous) timeout.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from alia_action.config import Settings
from alia_action.discord.client import DiscordClient
from alia_action.discord.emulator import Emulator, Fault
from alia_action.discord.errors import MalformedResponse
from alia_action.errors import DeployError
from alia_action.handlers import stage
from alia_action.redaction import redactor
from alia_action.runtime import Runtime
from alia_action.stores.backups import LocalBackupStore
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID, TOKEN
from tests.support.hostile_tally import TALLY

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "commands"
WRITES = frozenset({"PUT", "POST", "PATCH", "DELETE"})
# Generous: a 4x slower machine finishes these in seconds; a hang never does. (Lower it to try old code.)
HANG_TIMEOUT = float(os.environ.get("HOSTILE_HANG_TIMEOUT", "120"))


def writes(emu: Emulator, since: int = 0) -> list[str]:
    return [f"{r.method} {r.path}" for r in emu.requests[since:] if r.method in WRITES]


def count_writes(emu: Emulator, since: int = 0) -> int:
    found = len(writes(emu, since))
    TALLY.writes_after_bad_input += found
    return found


def assert_state_kept(emu: Emulator, before: list[dict[str, Any]]) -> None:
    """The staging guild still holds exactly what it held before the hostile run (counted, then asserted)."""
    kept = emu.commands(APP_ID, GUILD_ID) == before
    TALLY.states_lost += not kept
    assert kept, "the hostile run changed the live commands"


def run_subprocess(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run with a generous timeout; a timeout is counted as a hang and fails the test."""
    TALLY.runs += 1
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=HANG_TIMEOUT, check=False, **kwargs)
    except subprocess.TimeoutExpired:
        TALLY.hangs += 1
        pytest.fail(f"hung: {args} did not finish within {HANG_TIMEOUT:.0f} s")


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
    ctx = Runtime(workspace=ws, client_options=dict(FAST))
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
    assert_state_kept(emu, before)
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


@pytest.mark.parametrize("write", ["PATCH", "PUT"])
@pytest.mark.parametrize("case", ["html page", "json object", "list of strings"])
def test_a_malformed_answer_to_the_write_is_settled_by_the_verification(
    case: str, write: str, emu: Emulator, tmp_path: Path
) -> None:
    """The write's answer is never used as the new state: the verification GET decides what is live."""
    ws = make_workspace(tmp_path)
    assert run_stage(ws, settings_for(emu, action="stage")) is None
    before = emu.commands(APP_ID, GUILD_ID)
    games = ws / "commands" / "fun" / "games.json"
    games.write_text(games.read_text(encoding="utf-8").replace("Flip a coin", "Flip a shiny coin"), "utf-8")
    if write == "PUT":  # a second change: the write is one bulk overwrite
        (ws / "commands" / "fun" / "quote.json").unlink()
    emu.faults.add(MALFORMED[case], method=write)  # a proxy answered the write; Discord never saw it
    TALLY.malformed_answers += 1
    error = run_stage(ws, settings_for(emu, action="stage", allow_deletions="true"))
    assert isinstance(error, DeployError)
    assert "still hold(s) the previous set" in str(error) and "not what the API documents" in str(error)
    assert [r.method for r in emu.requests[-3:]] == ["GET", write, "GET"]
    assert_state_kept(emu, before)


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


# ------------------------------------------------------------------------------------------ file kinds
# Every command source is a regular file that can be read, or the run stops before contacting Discord: a
# skipped file's commands would be deleted. Found by directory or glob expansion as well as when named.


def _dangling(path: Path) -> None:
    path.symlink_to(path.parent / ".." / "build" / "extra.json")  # the export step failed: no target


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.close()  # the socket file stays


def _device(path: Path) -> None:
    path.symlink_to("/dev/null")


def _directory(path: Path) -> None:
    path.mkdir()
    (path / "inner.json").write_text('{"name": "inner", "description": "Inner command"}', encoding="utf-8")


KINDS: dict[str, tuple[Any, str]] = {
    "dangling link": (_dangling, "symbolic link whose target does not exist"),
    "fifo": (_fifo, "FIFO"),
    "socket": (_socket, "socket"),
    "device": (_device, "character device"),
    "directory named .json": (_directory, "directory"),
}
HOW = {"folder": "commands", "glob": "commands/**/*.json", "named": "commands\ncommands/fun/extra.json"}


def stage_outcome(ws: Path, settings: Settings) -> tuple[Any, DeployError | None]:
    """Run stage in a thread with a timeout: a FIFO that blocks ``open`` would otherwise hang the suite."""
    TALLY.runs += 1
    box: dict[str, Any] = {}

    def work() -> None:
        ctx = Runtime(workspace=ws, client_options=dict(FAST))
        try:
            box["outcome"] = stage.run(settings, ctx)
        except DeployError as exc:
            box["error"] = exc
        finally:
            ctx.close()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(HANG_TIMEOUT)
    if thread.is_alive():
        TALLY.hangs += 1
        pytest.fail("stage hung on a command source")
    return box.get("outcome"), box.get("error")


@pytest.mark.parametrize("how", list(HOW))
@pytest.mark.parametrize("kind", list(KINDS))
def test_an_unusable_command_source_stops_the_run_before_discord(
    kind: str, how: str, emu: Emulator, tmp_path: Path
) -> None:
    ws = make_workspace(tmp_path)
    extra = ws / "commands" / "fun" / "extra.json"
    extra.write_text('[{"name": "extra", "description": "Extra command"}]', encoding="utf-8")
    assert run_stage(ws, settings_for(emu, action="stage")) is None
    before = emu.commands(APP_ID, GUILD_ID)
    assert any(c["name"] == "extra" for c in before)
    start = len(emu.requests)

    extra.unlink()
    make, words = KINDS[kind]
    make(extra)
    TALLY.file_kinds += 1
    outcome, error = stage_outcome(ws, settings_for(emu, action="stage", commands=HOW[how]))

    assert error is None and outcome is not None and outcome.exit_code == 1
    found = [p for p in outcome.problems if p.file == "commands/fun/extra.json" and p.severity == "error"]
    assert found, outcome.problems
    assert words in found[0].message, found[0].message
    assert "does not exist" not in found[0].message or kind == "dangling link"
    assert emu.requests[start:] == [], "Discord was contacted although a command source is unusable"
    assert count_writes(emu, start) == 0
    assert_state_kept(emu, before)


def test_a_named_fifo_is_called_a_fifo_not_missing(tmp_path: Path) -> None:
    from alia_action.sources import load_commands

    os.mkfifo(tmp_path / "extra.json")
    TALLY.file_kinds += 1
    TALLY.runs += 1
    result = load_commands("extra.json", tmp_path)
    assert result.failed
    (problem,) = result.problems
    assert problem.rule == "file.kind" and "FIFO" in problem.message and problem.file == "extra.json"


# ------------------------------------------------------------------------------------------ huge and endless files
# History files come back from caches and artifacts: a 2 GB metrics.log costs a bounded read and is cut back;
# a link to /dev/zero or a FIFO in place of a log is a clear message, never a hang.

METRIC = (
    '{{"v":1,"time":"2026-01-01T00:{m:02d}:{s:02d}Z","environment":"staging","scope":"{guild}",'
    '"application_id":"{app}","outcome":"healthy","response_time_ms":12.5,"attempts":1,"expected":3,'
    '"live":3,"deviation":0.0,"missing":[],"extra":[],"drifted":[],"error":null}}\n'
)


def huge_metrics_log(path: Path, gigabytes: float = 2.0, lines: int = 5000) -> int:
    """A sparse file of ``gigabytes`` (no disk used) ending in ``lines`` real records."""
    body = "".join(METRIC.format(m=i // 60 % 60, s=i % 60, guild=GUILD_ID, app=APP_ID) for i in range(lines))
    with path.open("wb") as handle:
        handle.truncate(int(gigabytes * (1 << 30)))
        handle.seek(0, os.SEEK_END)
        handle.write(body.encode())
    return path.stat().st_size


def cli(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), "PYTHONPATH": str(ROOT), **(env or {})}
    return run_subprocess([sys.executable, "-m", "alia_action.cli", *args], cwd=cwd, env=environ)


def cli_env(emu: Emulator) -> dict[str, str]:
    return {"BOT_TOKEN": TOKEN, "CLIENT_ID": APP_ID, "GUILD_ID": GUILD_ID}


def test_a_huge_metrics_log_is_read_from_the_end_and_cut_back(tmp_path: Path) -> None:
    from alia_action.stores.metrics import METRICS_BYTES as MAX_BYTES
    from alia_action.stores.metrics import METRICS_LINES as MAX_LINES
    from alia_action.stores.metrics import MetricRecord, MetricsLog

    path = tmp_path / "metrics.log"
    size = huge_metrics_log(path)
    TALLY.huge_files += 1
    TALLY.runs += 1
    log = MetricsLog(path)
    recent = log.recent(environment="staging", scope=GUILD_ID, application_id=APP_ID, limit=10)
    assert len(recent) == 10
    assert log.file.bytes_read <= MAX_BYTES < size / 100
    assert len(log.file.lines()) <= MAX_LINES
    record = recent[-1].model_copy(update={"time": recent[-1].time.replace(minute=59)})
    log.append(MetricRecord.model_validate(record.model_dump()))
    after = path.stat().st_size
    assert after <= MAX_BYTES, f"the append left {after} bytes"
    kept = path.read_bytes().splitlines()
    assert 0 < len(kept) <= MAX_LINES
    assert MetricRecord.model_validate_json(kept[-1]).time.minute == 59


def test_the_metrics_cap_bounds_bytes_as_well_as_lines(tmp_path: Path) -> None:
    from alia_action.stores.jsonlines import JsonLines

    TALLY.huge_files += 1
    TALLY.runs += 1
    log = JsonLines(tmp_path / "metrics.log", max_lines=2000, max_bytes=64 * 1024)
    for i in range(400):  # 400 lines of ~1 kB: far fewer lines than the cap, far more bytes
        log.append({"i": i, "pad": "x" * 1000})
    size = (tmp_path / "metrics.log").stat().st_size
    assert size <= 64 * 1024
    lines = log.lines()
    assert lines and b'"i":399' in lines[-1]


def test_health_on_a_two_gigabyte_metrics_log_stays_bounded_in_memory(emu: Emulator, tmp_path: Path) -> None:
    import resource

    ws = make_workspace(tmp_path)
    assert run_stage(ws, settings_for(emu, action="stage")) is None
    size = huge_metrics_log(ws / "metrics.log")
    TALLY.huge_files += 1
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = cli(["health", "--environment", "staging", "--discord-api-url", emu.url], ws, cli_env(emu))
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (ws / "metrics.log").stat().st_size <= 4 * 1024 * 1024 < size
    # ru_maxrss is the largest child so far: it only proves a bound when it grew during this run, or is low anyway.
    assert max(before, peak_kib) < 400 * 1024, f"peak RSS {peak_kib} KiB reading a {size >> 20} MiB log"


@pytest.mark.parametrize("kind", ["link to /dev/zero", "fifo"])
@pytest.mark.parametrize("name", ["metrics.log", "alerts.log"])
def test_health_with_an_endless_or_blocking_history_file_finishes(
    kind: str, name: str, emu: Emulator, tmp_path: Path
) -> None:
    ws = make_workspace(tmp_path)
    assert run_stage(ws, settings_for(emu, action="stage")) is None
    target = ws / name
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/zero")
    TALLY.huge_files += 1
    proc = cli(["health", "--environment", "staging", "--discord-api-url", emu.url], ws, cli_env(emu))
    out = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1), out
    assert "Traceback" not in out
    words = "FIFO" if kind == "fifo" else "character device"
    assert f"{name} is a {words}" in out, out


@pytest.mark.parametrize("name", ["deployment.log", "deployment.log.lock"])
def test_stage_with_a_fifo_as_the_deployment_record_finishes_without_writing(
    name: str, emu: Emulator, tmp_path: Path
) -> None:
    ws = make_workspace(tmp_path)
    os.mkfifo(ws / name)
    TALLY.huge_files += 1
    start = len(emu.requests)
    proc = cli(["stage", "--discord-api-url", emu.url], ws, cli_env(emu))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "FIFO" in out and "Traceback" not in out, out
    assert count_writes(emu, start) == 0


# ------------------------------------------------------------------------------------------ bad values


def test_a_ledger_line_without_a_timezone_is_skipped_with_a_warning(emu: Emulator, tmp_path: Path) -> None:
    from alia_action.handlers import promote

    ws = make_workspace(tmp_path)
    assert run_stage(ws, settings_for(emu, action="stage")) is None
    ledger = ws / "deployment.log"
    good = ledger.read_text(encoding="utf-8").splitlines()[-1]
    naive = json.loads(good)
    naive["time"] = "2026-01-01T00:00:00"  # no timezone: cannot be compared with the run's clock
    with ledger.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(naive) + "\n")
    TALLY.bad_values += 1
    TALLY.runs += 1
    logged: list[str] = []
    ctx = Runtime(workspace=ws, client_options=dict(FAST), log=logged.append)
    try:
        outcome = promote.run(settings_for(emu, action="promote"), ctx)
    finally:
        ctx.close()
    assert outcome.exit_code == 0
    warnings = [line for line in logged if "unreadable line(s) skipped" in line]
    assert len(warnings) == 1 and "time" in warnings[0], logged


# ------------------------------------------------------------------------------------------ as the runner runs it
# entrypoint.py with INPUT_* variables, GITHUB_WORKSPACE and a hostile PATH (tests/support/actions_runner.py).


def action(ws: Path, inputs: dict[str, str], env: dict[str, str] | None = None) -> Any:
    from tests.support.actions_runner import run_action

    TALLY.runs += 1
    try:
        return run_action(ws, inputs, env=env, timeout=HANG_TIMEOUT)
    except subprocess.TimeoutExpired:
        TALLY.hangs += 1
        pytest.fail(f"the action hung with inputs {inputs}")


def staging_inputs(emu: Emulator, **more: str) -> dict[str, str]:
    return {
        "action": "stage",
        "bot-token": TOKEN,
        "application-id": APP_ID,
        "guild-id": GUILD_ID,
        "discord-api-url": emu.url,
        "github-token": "",
        **more,
    }


def test_the_action_with_a_proxy_page_for_the_plan_get_deletes_nothing(emu: Emulator, tmp_path: Path) -> None:
    """Finding 1 as reported: max-deletions 0, a 200 `<html>oops` for the plan GET, three commands removed locally."""
    ws = make_workspace(tmp_path)
    assert action(ws, staging_inputs(emu)).returncode == 0
    before = emu.commands(APP_ID, GUILD_ID)
    for name in ("quote.json", "meme.json", "horoscope.json"):
        (ws / "commands" / "fun" / name).unlink()
    start = len(emu.requests)
    emu.faults.add(Fault.raw(200, "<html>oops"), method="GET", path=r"/guilds/\d+/commands$")
    TALLY.malformed_answers += 1
    step = action(ws, staging_inputs(emu, **{"max-deletions": "0"}))
    assert step.returncode == 1, step.stdout
    (_props, message), *_ = step.annotations("error")
    assert "not what the API documents" in message and "text/html" in message
    assert "Traceback" not in step.stdout + step.stderr
    assert count_writes(emu, start) == 0
    assert_state_kept(emu, before)


PATH_INPUTS = ("report-file", "backup-store", "ledger-file", "metrics-file", "alerts-file", "checksum-file")


@pytest.mark.parametrize("form", ["absolute", "dot-dot", "link"])
@pytest.mark.parametrize("name", PATH_INPUTS)
def test_a_path_input_outside_the_workspace_is_refused_in_actions(name: str, form: str, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    outside = tmp_path / "host-files"
    outside.mkdir()
    victim = outside / "precious.txt"
    victim.write_text("not the action's to overwrite\n", encoding="utf-8")
    if form == "absolute":
        value = str(victim if name != "backup-store" else outside)
    elif form == "dot-dot":
        value = "../host-files/" + ("precious.txt" if name != "backup-store" else "backups")
    else:  # a link in the workspace pointing out of it (it came with a cache or an artifact)
        (ws / "out").symlink_to(outside)
        value = "out/" + ("precious.txt" if name != "backup-store" else "backups")
    TALLY.outside_paths += 1
    step = action(ws, {"action": "detect", name: value, "write-checksums": "true"})
    assert step.returncode == 2, step.stdout + step.stderr
    ((_props, message),) = step.annotations("error")
    assert f"input '{name}' resolves outside the workspace" in message
    assert str(outside) not in step.stdout + step.stderr + step.summary, "a host path reached the log"
    assert victim.read_text(encoding="utf-8") == "not the action's to overwrite\n"
    assert sorted(p.name for p in outside.iterdir()) == ["precious.txt"]


def test_the_cli_keeps_allowing_any_path(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    report = tmp_path / "elsewhere" / "report.json"
    TALLY.outside_paths += 1
    proc = cli(["detect", "--report-file", str(report)], ws)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(report.read_text(encoding="utf-8"))["action"] == "detect"


@pytest.mark.parametrize("target", ["commands export", "not json"])
def test_a_command_file_linking_out_of_the_workspace_is_refused_in_actions(target: str, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    outside = tmp_path / "host-files"
    outside.mkdir()
    linked = outside / "secret-commands.json"
    if target == "commands export":
        linked.write_text('[{"name": "smuggled", "description": "From outside"}]', encoding="utf-8")
    else:
        linked.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (ws / "commands" / "fun" / "extra.json").symlink_to(linked)
    TALLY.outside_paths += 1
    step = action(ws, {"action": "detect"})
    assert step.returncode == 1, step.stdout
    errors = step.annotations("error")
    assert any(p.get("file") == "commands/fun/extra.json" and "outside the workspace" in m for p, m in errors), errors
    assert "smuggled" not in step.outputs.get("added", "")
    assert str(outside) not in step.stdout + step.stderr + step.summary, "a host path reached the log"


def test_an_unknown_input_is_a_warning_with_did_you_mean(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    TALLY.bad_values += 2
    step = action(ws, {"action": "detect"}, env={"INPUT_FROBNICATE": "yes", "INPUT_MAX-DELETION": "0"})
    assert step.returncode == 0, step.stdout
    warnings = [m for _p, m in step.annotations("warning")]
    assert any("'frobnicate' is not an input" in m for m in warnings), warnings
    assert any("'max-deletion'" in m and "did you mean 'max-deletions'" in m for m in warnings), warnings


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again on exit: nothing listens there


def test_sentry_is_not_reported_sent_when_nothing_listens_at_the_dsn_host() -> None:
    from alia_action.notify.alerts import ChannelError, SentryChannel
    from tests.support.http_sinks import SentrySink

    TALLY.bad_values += 1
    TALLY.runs += 1
    dsn = f"http://{SentrySink.KEY}@127.0.0.1:{_closed_port()}/42"
    channel = SentryChannel(dsn, "production", redactor([dsn]), {})
    alert = _alert()
    try:
        with pytest.raises(ChannelError) as caught:
            channel.send(alert)
    finally:
        channel.close()
    assert "unreachable" in str(caught.value) and SentrySink.KEY not in str(caught.value)


def test_sentry_is_reported_sent_when_it_took_the_event() -> None:
    from alia_action.notify.alerts import SentryChannel
    from tests.support.http_sinks import SentrySink

    with SentrySink() as sink:
        channel = SentryChannel(sink.dsn, "production", redactor([sink.dsn]), {})
        try:
            assert channel.send(_alert()) == "sent"
        finally:
            channel.close()
        assert len(sink.events) == 1


def _alert() -> Any:
    from datetime import UTC, datetime

    from alia_action.notify.alerts import Alert, Figures

    figures = Figures("unhealthy", "global", None, 5000.0, 3, None)
    return Alert("resolve", "production", "unreachable", "info", datetime.now(UTC), figures, previous="GET failed")


BAD_VALUES: dict[str, tuple[dict[str, str], str]] = {
    "100 kB commands": ({"commands": "commands/" + "a" * 100_000}, "input 'commands' is 100,009 characters long"),
    "a page of command paths": (
        {"commands": "\n".join(f"commands/{i}.json" for i in range(5000))},
        "input 'commands' is",
    ),
    "999999999d": ({"action": "promote", "staging-max-age": "999999999d"}, "at most 366d"),
    "99999999999h": ({"action": "promote", "staging-max-age": "99999999999h"}, "at most 366d"),
    "huge max-deletions": ({"max-deletions": "9" * 5000}, "input 'max-deletions' must be at most 100,000"),
    "200 check-guilds": (
        {"check-guilds": ",".join(str(1180000000000000300 + i) for i in range(200))},
        "input 'check-guilds' lists 200 items; at most 100",
    ),
    "long environment": ({"environment": "x" * 50_000}, "input 'environment' must be one of staging, production"),
}


@pytest.mark.parametrize("case", list(BAD_VALUES))
def test_a_value_past_sane_bounds_is_a_clear_usage_error(case: str, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    inputs, words = BAD_VALUES[case]
    TALLY.bad_values += 1
    step = action(ws, {"action": "detect", **inputs})
    assert step.returncode == 2, step.stdout + step.stderr
    ((_props, message),) = step.annotations("error")
    assert words in message, message
    assert "Traceback" not in step.stdout + step.stderr and "internal error" not in step.stdout
    assert len(message) < 2000, "the value is not echoed back"


def test_a_staging_record_from_the_future_does_not_satisfy_the_breaker(emu: Emulator, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from alia_action.handlers import promote

    ws = make_workspace(tmp_path)
    assert run_stage(ws, settings_for(emu, action="stage")) is None
    ledger = ws / "deployment.log"
    lines = ledger.read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    future = datetime.now(UTC) + timedelta(days=26_000)  # "staged -2.2749e+09s ago"
    for entry in entries:  # the real stage, moved out of the window; then only its copy from the future
        entry["time"] = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    forged = {**entries[-1], "time": future.isoformat(), "run": "from-the-future"}
    ledger.write_text("".join(json.dumps(e) + "\n" for e in [*entries, forged]), encoding="utf-8")
    TALLY.bad_values += 1
    TALLY.runs += 1
    start = len(emu.requests)
    ctx = Runtime(workspace=ws, client_options=dict(FAST))
    try:
        with pytest.raises(promote.CircuitOpen) as caught:
            promote.run(settings_for(emu, action="promote", staging_max_age="1h"), ctx)
    finally:
        ctx.close()
    assert "is 3 h old" in str(caught.value) and "older than staging-max-age=1h" in str(caught.value)
    assert count_writes(emu, start) == 0


def test_only_a_record_from_the_future_says_so(emu: Emulator, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from alia_action.handlers import promote

    ws = make_workspace(tmp_path)
    assert run_stage(ws, settings_for(emu, action="stage")) is None
    ledger = ws / "deployment.log"
    entries = [json.loads(line) for line in ledger.read_text(encoding="utf-8").splitlines()]
    for entry in entries:
        entry["time"] = (datetime.now(UTC) + timedelta(minutes=30)).isoformat()
    ledger.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    TALLY.bad_values += 1
    TALLY.runs += 1
    logged: list[str] = []
    ctx = Runtime(workspace=ws, client_options=dict(FAST), log=logged.append)
    try:
        with pytest.raises(promote.CircuitOpen):
            promote.run(settings_for(emu, action="promote"), ctx)
    finally:
        ctx.close()
    # The reader leaves the lines out and says which, with their dates: they cannot have been written yet.
    (warning,) = [line for line in logged if "unreadable line(s) skipped" in line]
    assert f"deployment.log: {len(entries)} unreadable line(s) skipped (line 1: time: " in warning
    assert "is ahead of this machine's clock" in warning


def test_a_record_within_the_clock_skew_still_counts(emu: Emulator, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from alia_action.handlers import promote

    ws = make_workspace(tmp_path)
    assert run_stage(ws, settings_for(emu, action="stage")) is None
    ledger = ws / "deployment.log"
    entries = [json.loads(line) for line in ledger.read_text(encoding="utf-8").splitlines()]
    for entry in entries:  # the staging runner's clock is a minute ahead
        entry["time"] = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    ledger.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    TALLY.runs += 1
    ctx = Runtime(workspace=ws, client_options=dict(FAST))
    try:
        outcome = promote.run(settings_for(emu, action="promote"), ctx)
    finally:
        ctx.close()
    assert outcome.exit_code == 0


# ------------------------------------------------------------------------------------------ the other kept files


def test_a_fifo_as_checksum_file_is_a_warning_not_a_hang(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    os.mkfifo(ws / ".command-checksums.json")
    TALLY.file_kinds += 1
    proc = cli(["detect"], ws)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert ".command-checksums.json is a FIFO" in out, out


def test_a_fifo_or_oversized_backup_is_refused_by_rollback(emu: Emulator, tmp_path: Path) -> None:
    from alia_action.handlers import rollback
    from alia_action.stores.backups import MAX_BACKUP_BYTES

    ws = make_workspace(tmp_path)
    assert run_stage(ws, settings_for(emu, action="stage")) is None
    folder = ws / "command-backups"
    folder.mkdir(exist_ok=True)
    fifo, huge = "commands-backup-2099-01-01T00-00-00-000Z.json", "commands-backup-2099-01-02T00-00-00-000Z.json"
    os.mkfifo(folder / fifo)
    with (folder / huge).open("wb") as handle:
        handle.truncate(MAX_BACKUP_BYTES + 1)
    for name, words in ((fifo, "FIFO"), (huge, "the limit is 16.0 MiB")):
        TALLY.huge_files += 1
        TALLY.runs += 1
        start = len(emu.requests)
        ctx = Runtime(workspace=ws, client_options=dict(FAST))
        try:
            with pytest.raises(DeployError) as caught:
                rollback.run(settings_for(emu, action="rollback", environment="staging", backup_file=name), ctx)
        finally:
            ctx.close()
        assert words in str(caught.value), str(caught.value)
        assert count_writes(emu, start) == 0


@pytest.mark.parametrize("name", [".env", ".discord-emulator.json"])
def test_the_cli_with_a_fifo_for_its_own_files_finishes(name: str, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    os.mkfifo(ws / name)
    TALLY.file_kinds += 1
    args = ["detect"] if name == ".env" else ["stage", "--discord-api-url", "emulator"]
    proc = cli(args, ws)
    out = proc.stdout + proc.stderr
    assert proc.returncode in (1, 2), out
    assert "FIFO" in out and "Traceback" not in out, out


def test_slack_is_not_reported_sent_when_nothing_listens() -> None:
    from alia_action.notify.alerts import ChannelError, SlackChannel

    TALLY.bad_values += 1
    TALLY.runs += 1
    url = f"http://127.0.0.1:{_closed_port()}/services/T000/B000/secretpath"
    channel = SlackChannel(url, {}, redactor([url]))
    try:
        with pytest.raises(ChannelError) as caught:
            channel.send(_alert())
    finally:
        channel.close()
    assert "unreachable" in str(caught.value) and "secretpath" not in str(caught.value)


def test_the_dashboard_replaces_a_fifo_in_its_place_instead_of_waiting_on_it(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    os.mkfifo(ws / "command-dashboard.html")
    TALLY.file_kinds += 1
    proc = cli(["dashboard"], ws)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (ws / "command-dashboard.html").is_file() and (ws / "command-dashboard.md").is_file()


# ------------------------------------------------------------------------------------------ redact, then cut
# A proxy's 2xx page echoing the Authorization header: the message quotes the page's first 80 characters.
# Cut first and redacted after, a token straddling the cut left most of itself (56-71 of 73 characters) in
# every channel; the whole body is scrubbed before it is shortened.

PIECE = 12  # no run of this many of the token's characters may survive anywhere


def token_pieces(text: str, secret: str = TOKEN) -> list[str]:
    return [secret[i : i + PIECE] for i in range(len(secret) - PIECE + 1) if secret[i : i + PIECE] in text]


def proxy_page(inside: int) -> str:
    """A page whose 80-character excerpt ends ``inside`` characters into the echoed token."""
    lead = "<html><body>proxy: your header was Bot "
    pad = "x" * (80 - len(lead) - inside)
    return lead + pad + TOKEN + " and nothing else</body></html>" + "y" * 200


@pytest.mark.parametrize("inside", [1, 12, 30, 46, 57])
def test_a_token_straddling_the_excerpt_cut_leaks_no_piece_anywhere(inside: int, emu: Emulator, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    assert action(ws, staging_inputs(emu)).returncode == 0
    games = ws / "commands" / "fun" / "games.json"
    games.write_text(games.read_text(encoding="utf-8").replace("Flip a coin", "Flip a shiny coin"), "utf-8")
    page = proxy_page(inside)
    assert page.index(TOKEN) < 80 < page.index(TOKEN) + len(TOKEN)  # control: the cut falls inside the token
    emu.faults.add(Fault.raw(200, page), method="PATCH")  # the write's answer is the proxy's page
    TALLY.leaky_answers += 1
    step = action(ws, staging_inputs(emu))
    assert step.returncode == 1, step.stdout
    (_props, message), *_ = step.annotations("error")
    assert "not what the API documents" in message and "proxy: your header was Bot " in message, message
    stdout = "\n".join(line for line in step.stdout.splitlines() if not line.startswith("::add-mask::"))
    ledger = (ws / "deployment.log").read_text(encoding="utf-8")
    assert "not what the API documents" in ledger  # control: the failure and its message were recorded
    report = (ws / step.outputs["report"]).read_text(encoding="utf-8")
    everything = [stdout, step.stderr, step.summary, report, ledger, json.dumps(step.outputs)]
    leaked = [piece for text in everything for piece in token_pieces(text)]
    TALLY.secret_pieces += len(leaked)
    assert leaked == [], leaked


@pytest.mark.parametrize("inside", [1, 40])
def test_a_token_straddling_the_cut_leaks_nothing_in_the_cli_json_report(
    inside: int, emu: Emulator, tmp_path: Path
) -> None:
    ws = make_workspace(tmp_path)
    env = cli_env(emu)
    assert cli(["stage", "--discord-api-url", emu.url], ws, env).returncode == 0
    emu.faults.add(Fault.raw(200, proxy_page(inside)), method="GET", path=r"/guilds/\d+/commands$")
    TALLY.leaky_answers += 1
    proc = cli(["detect", "--environment", "staging", "--discord-api-url", emu.url, "--format", "json"], ws, env)
    assert proc.returncode == 1, proc.stderr
    assert "not what the API documents" in proc.stdout + proc.stderr
    json.loads(proc.stdout)  # exactly one document
    leaked = token_pieces(proc.stdout + proc.stderr)
    TALLY.secret_pieces += len(leaked)
    assert leaked == [], leaked


# ------------------------------------------------------------------------------------------ records read defensively
# metrics.log, alerts.log and deployment.log come back from caches and artifacts, and GitHub Deployments can be
# written by anyone with `deployments: write`: a line that cannot be true is skipped with one warning naming the
# file and the line; text from a record reaches Markdown and Mermaid only escaped.


def now_iso(**shift: float) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(**shift)).isoformat().replace("+00:00", "Z")


def alert_line(message: str = "commands missing", **changes: Any) -> str:
    line = {"v": 1, "time": now_iso(minutes=-30), "key": "staging:missing", "environment": "staging"}
    line |= {"condition": "missing", "event": "fire", "level": "error", "message": message, "figures": {}}
    return json.dumps({**line, **changes}) + "\n"


def append(path: Path, *lines: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.writelines(lines)


def test_nan_and_timezone_less_lines_leave_health_passing_and_the_dashboard_drawn(
    emu: Emulator, tmp_path: Path
) -> None:
    ws = make_workspace(tmp_path)
    assert run_stage(ws, settings_for(emu, action="stage")) is None
    health = ["health", "--environment", "staging", "--discord-api-url", emu.url]
    assert cli(health, ws, cli_env(emu)).returncode == 0
    good = json.loads((ws / "metrics.log").read_text(encoding="utf-8").splitlines()[-1])
    append(
        ws / "metrics.log",
        json.dumps({**good, "response_time_ms": float("nan")}) + "\n",  # line 2
        json.dumps({**good, "response_time_ms": float("inf")}) + "\n",  # line 3
        json.dumps({**good, "time": good["time"].rstrip("Z")}) + "\n",  # line 4
    )
    append(ws / "alerts.log", alert_line(), alert_line(time=now_iso(minutes=-20).rstrip("Z")), alert_line())
    append(ws / "alerts.log", alert_line(figures={"p95": float("nan")}))
    TALLY.bad_records += 5

    for _ in range(2):  # the next check too: a skipped line must not poison the history
        proc = cli(health, ws, cli_env(emu))
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0 and "Traceback" not in out, out
        assert "metrics.log: 3 unreadable line(s) skipped (line 2: response_time_ms: nan is not a finite number" in out
        assert "line 4: time: " in out and "has no timezone" in out
        assert "alerts.log: 2 unreadable line(s) skipped (line 2: time: " in out
        assert "line 4: figures.p95: nan is not a finite number" in out

    proc = cli(["dashboard", "--format", "json"], ws, cli_env(emu))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "warning: metrics.log: 3 unreadable line(s) skipped" in proc.stderr
    assert "warning: alerts.log: 2 unreadable line(s) skipped" in proc.stderr
    figures = json.loads(proc.stdout)
    alert_lines = (ws / "alerts.log").read_text(encoding="utf-8").splitlines()
    assert figures["alerts"] == len(alert_lines) - 2  # every good line (with the resolve health wrote)
    assert "<canvas" in (ws / "command-dashboard.html").read_text(encoding="utf-8")


INJECTED = "\n```\n# pwned\n<img src=x onerror=alert(1)>\n```mermaid\n"


def test_a_fence_in_git_sha_or_a_message_leaves_the_summary_intact(emu: Emulator, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    promoted = {"action": "promote", "environment": "production", "application_id": APP_ID, "checksum": "c"}
    promoted |= {"outcome": "success", "commit_time": now_iso(hours=-3), "started_at": now_iso(hours=-2)}
    promoted |= {"ended_at": now_iso(hours=-2), "time": now_iso(hours=-2), "requests": 3}
    append(
        ws / "deployment.log",
        json.dumps({**promoted, "git_sha": "abc1234" + INJECTED}) + "\n",  # skipped: not a commit id
        json.dumps({**promoted, "git_sha": "abcdef0123456789", "message": "done" + INJECTED}) + "\n",
        json.dumps({**promoted, "action": "rollback", "backup": "b.json", "message": "undone" + INJECTED}) + "\n",
    )
    append(ws / "alerts.log", alert_line("missing" + INJECTED + f"token {TOKEN}"))
    TALLY.bad_records += 4
    step = action(ws, {"action": "dashboard", "bot-token": TOKEN, "application-id": APP_ID})
    assert step.returncode == 0, step.stdout + step.stderr
    assert "deployment.log: 1 unreadable line(s) skipped (line 1: git_sha: not a commit id" in step.stdout

    summary = step.summary
    lines = summary.splitlines()
    fences = [line for line in lines if line.lstrip().startswith("```")]
    assert fences.count("```mermaid") * 2 == len(fences), fences  # every block opened is closed, nothing more
    assert not any(line.startswith("# ") for line in lines), "a record's text became a heading"
    assert "<img" not in summary and "pwned" in summary  # shown, as text
    assert any(line.startswith("### Merge to production") for line in lines)
    assert "undone" in summary  # the rollback's line is there, its message escaped
    html = (ws / "command-dashboard.html").read_text(encoding="utf-8")
    markdown = (ws / "command-dashboard.md").read_text(encoding="utf-8")
    assert "<img src=x" not in html and "pwned" in html
    stdout = "\n".join(line for line in step.stdout.splitlines() if not line.startswith("::add-mask::"))
    assert f"::add-mask::{TOKEN}" in step.stdout  # control: the registry knew the token
    leaked = [piece for text in (summary, html, markdown, stdout, step.stderr) for piece in token_pieces(text)]
    TALLY.secret_pieces += len(leaked)
    assert leaked == [], leaked


def test_a_claim_dated_a_year_ahead_is_ignored_with_a_warning(emu: Emulator, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    assert cli(["stage", "--discord-api-url", emu.url], ws, cli_env(emu)).returncode == 0
    claim = json.loads((ws / "deployment.log").read_text(encoding="utf-8").splitlines()[-1])
    claim |= {"outcome": "started", "run": "from-the-future", "ended_at": None, "time": now_iso(days=365)}
    append(ws / "deployment.log", json.dumps(claim) + "\n")
    games = ws / "commands" / "fun" / "games.json"
    games.write_text(games.read_text(encoding="utf-8").replace("Flip a coin", "Flip a shiny coin"), "utf-8")
    TALLY.bad_records += 1
    start = len(emu.requests)
    proc = cli(["stage", "--discord-api-url", emu.url], ws, cli_env(emu))
    assert proc.returncode == 0, proc.stderr
    assert "deployment.log: 1 unreadable line(s) skipped (line 3: time: " in proc.stdout, proc.stdout
    assert "is ahead of this machine's clock" in proc.stdout
    assert writes(emu, start), "the future claim blocked the scope"
