"""The served emulator (``command-deploy emulator --port N``) and the embedded one are local services done right:
loopback only, no request from a web page or another host name, bodies bounded without being read, runs that
share the state file take turns, a malformed state file is one clear error.

Every request here goes over real loopback HTTP to the CLI's own process; the counts join the hostile-input
and fault-injection figures printed at the end of the session.
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from alia_action.discord.emulator import (
    MAX_CONTROL_BODY_BYTES,
    TEST_APPLICATION_ID,
    TEST_GUILD_ID,
    TEST_TOKEN,
)
from alia_action.discord.state_file import STATE_FILE
from tests.support.cli_process import ROOT, cli, free_port
from tests.support.fault_tally import RACES
from tests.support.hostile_tally import TALLY

ENV = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}


@dataclass
class Served:
    process: subprocess.Popen[str]
    port: int
    folder: Path

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any] | None]:
        TALLY.emulator_requests += 1
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            data = response.read()
            return response.status, json.loads(data) if data else None
        finally:
            connection.close()

    def peak_memory_kib(self) -> int:
        """The served process's resident-memory high-water mark (Linux's VmHWM)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise AssertionError("no VmHWM in /proc")


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples" / "commands", tmp_path / "examples" / "commands")
    return tmp_path


@pytest.fixture
def served(clone: Path) -> Iterator[Served]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "alia_action.cli", "emulator", "--port", str(port)],
        cwd=clone,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    assert "listening on" in process.stdout.readline()
    try:
        yield Served(process, port, clone)
    finally:
        process.send_signal(2)
        process.communicate(timeout=30)


def deployed(served: Served) -> None:
    """Commands in the served emulator's staging guild, put there as a developer's run would."""
    env = {"BOT_TOKEN": TEST_TOKEN, "CLIENT_ID": TEST_APPLICATION_ID, "GUILD_ID": TEST_GUILD_ID}
    url = f"http://127.0.0.1:{served.port}/api/v10"
    proc = cli("stage", "--commands", "examples/commands", "--discord-api-url", url, cwd=served.folder, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def guild_commands(served: Served) -> list[dict[str, Any]]:
    query = f"/_emulator/commands?application_id={TEST_APPLICATION_ID}&guild_id={TEST_GUILD_ID}"
    status, body = served.request("GET", query)
    assert status == 200 and isinstance(body, list)
    return body


# ------------------------------------------------------------------------------------------ who may ask


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example", "Content-Type": "text/plain"},  # a page's "simple" cross-origin POST
        {"Origin": "null", "Content-Type": "application/x-www-form-urlencoded"},  # a sandboxed frame, a file:// page
        {"Origin": "http://127.0.0.1:1"},  # loopback, but another port: another local site
        {"Host": "evil.example"},  # a DNS-rebound name pointing at 127.0.0.1
    ],
)
def test_a_request_from_a_web_page_or_another_host_name_is_refused(served: Served, headers: dict[str, str]) -> None:
    deployed(served)
    before = guild_commands(served)
    if "Host" in headers:
        headers = {**headers, "Host": f"{headers['Host']}:{served.port}"}
    for method, path, body in [
        ("POST", "/_emulator/reset", b""),
        ("POST", "/_emulator/applications", json.dumps({"id": TEST_APPLICATION_ID, "token": "stolen"}).encode()),
        ("PUT", f"/api/v10/applications/{TEST_APPLICATION_ID}/guilds/{TEST_GUILD_ID}/commands", b"[]"),
    ]:
        status, answer = served.request(method, path, body, {**headers, "Authorization": f"Bot {TEST_TOKEN}"})
        assert status == 403, (method, path, status, answer)
        assert answer is not None and "refused" in answer["message"]
    assert guild_commands(served) == before  # nothing wiped
    state = json.loads((served.folder / STATE_FILE).read_text(encoding="utf-8"))
    assert len(state["applications"][TEST_APPLICATION_ID]["guilds"][TEST_GUILD_ID]) == len(before)


def test_its_own_origin_and_host_names_are_served(served: Served) -> None:
    for host in ("127.0.0.1", "localhost"):
        headers = {"Host": f"{host}:{served.port}", "Origin": f"http://{host}:{served.port}"}
        status, _body = served.request("POST", "/_emulator/faults", b'{"kind": "drop"}', headers)
        assert status == 200, (host, status)


def oversized(served: Served, path: str, size: int) -> bytes:
    """POST ``size`` bytes the way a client in a hurry does: the head, then the body until the server hangs up.
    Returns the status line, which comes before the body is sent: the emulator never reads what it refuses."""
    TALLY.emulator_requests += 1
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\nContent-Length: {size}\r\n\r\n"
        sock.sendall(head.encode())
        status = sock.makefile("rb").readline()
        sent, chunk = 0, b"[" * (1 << 20)
        try:
            while sent < size:
                sock.sendall(chunk[: size - sent])
                sent += len(chunk)
        except OSError:  # the emulator closed the connection
            pass
    return status


def test_a_body_over_the_bound_is_refused_unread_and_memory_stays_flat(served: Served) -> None:
    # At the bound it is read (reset ignores its body); one byte past it, 413.
    assert served.request("POST", "/_emulator/reset", b" " * MAX_CONTROL_BODY_BYTES)[0] == 204
    assert b" 413 " in oversized(served, "/_emulator/reset", MAX_CONTROL_BODY_BYTES + 1)

    before = served.peak_memory_kib()
    for path in ("/_emulator/faults", f"/api/v10/applications/{TEST_APPLICATION_ID}/commands"):
        status = oversized(served, path, 20 << 20)  # the 20 MB that took 9 GB and a minute
        assert b" 413 " in status, status
    grown = served.peak_memory_kib() - before
    print(f"served emulator: peak memory grew {grown} KiB over two 20 MiB bodies")
    assert grown < 8 * 1024, f"{grown} KiB"
    assert served.request("GET", "/_emulator/requests")[0] == 200  # still serving


def test_the_emulator_refuses_to_listen_beyond_loopback(clone: Path) -> None:
    TALLY.emulator_requests += 1
    proc = cli("emulator", "--port", str(free_port()), "--host", "0.0.0.0", cwd=clone)
    assert proc.returncode == 2
    assert "listens on loopback only (127.0.0.1 or localhost)" in proc.stderr and "Traceback" not in proc.stderr


# ------------------------------------------------------------------------------------------ the state file


def race(folder: Path, guilds: tuple[str, str]) -> list[subprocess.CompletedProcess[str]]:
    """Two credential-less stage runs in one folder, started together, each to its own guild."""
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "alia_action.cli", "stage", "--commands", "examples/commands", "--guild-id", guild],
            cwd=folder,
            env={**ENV, "HOME": str(folder)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for guild in guilds
    ]
    done = []
    for run in runs:
        out, err = run.communicate(timeout=180)
        done.append(subprocess.CompletedProcess(run.args, run.returncode, out, err))
    return done


def test_two_runs_sharing_the_state_file_lose_no_verified_deploy(tmp_path: Path) -> None:
    guilds = ("1180000000000000301", "1180000000000000302")
    for trial in range(10):
        folder = tmp_path / f"trial-{trial}"
        shutil.copytree(ROOT / "examples" / "commands", folder / "examples" / "commands")
        runs = race(folder, guilds)
        RACES.trials += 1
        RACES.runs += 2
        for run in runs:
            assert run.returncode == 0, run.stdout + run.stderr
            assert "staged" in run.stdout + run.stderr or "deployed" in run.stdout + run.stderr, run.stdout
        state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        kept = state["applications"][TEST_APPLICATION_ID]["guilds"]
        lost = [guild for guild in guilds if len(kept.get(guild, [])) != 51]  # 50 + 1 developmentOnly
        RACES.deploys_lost += len(lost)
        assert lost == [], f"trial {trial}: the state file lost the deploy to {lost}"


def test_a_credential_less_run_beside_a_served_emulator_is_told_where_it_is(served: Served) -> None:
    """The served emulator holds the state file until stopped: a run in its folder says so at once, never waits."""
    proc = cli("stage", "--commands", "examples/commands", cwd=served.folder)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 1, text
    assert f"is held by a served `command-deploy emulator --port {served.port}` (pid {served.process.pid})" in text
    assert "--discord-api-url" in text and "Traceback" not in text


MALFORMED_STATES = {
    "a command without a name": {"global": [{"id": "1", "version": "2"}]},
    "a name that is a number": {"global": [{"id": "1", "name": 7, "version": "2"}]},
    "an id that is not a snowflake": {"global": [{"id": "one", "name": "ping", "version": "2"}]},
    "guilds as a list": {"guilds": ["1180000000000000002"]},
}


@pytest.mark.parametrize("case", list(MALFORMED_STATES))
def test_a_state_file_that_fails_its_schema_is_one_clear_error(case: str, clone: Path) -> None:
    application: dict[str, Any] = {"global": [], "guilds": {}, "installed": [], **MALFORMED_STATES[case]}
    state = {"format": 1, "applications": {TEST_APPLICATION_ID: application}, "guilds": []}
    state |= {"snowflakes": 5, "creates": []}
    (clone / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
    TALLY.bad_values += 1
    for args, code in [(("stage", "--commands", "examples/commands"), 1), (("emulator", "--port", "1"), 1)]:
        proc = cli(*args, cwd=clone, timeout=60)
        text = proc.stdout + proc.stderr
        assert proc.returncode == code, text
        assert f"{STATE_FILE} does not hold what it should (applications.{TEST_APPLICATION_ID}." in text, text
        assert "command-deploy emulator --reset" in text
        assert "Traceback" not in text and "Server disconnected" not in text
