"""The README tells the truth: every command line of its ```bash blocks runs as written in a fresh clone, its
set-up commands are what CI runs, its tables are action.yml's.

The line convention (README, "Set up"): each line runs from the repository root after
``source .venv/bin/activate``, against the local Discord (the built-in emulator); a line that cannot run here
ends with ``# needs: github``, ``# needs: credentials``, ``# needs: terminal`` (it asks a question) or
``# needs: minutes`` (the whole test suite, CI, the benchmarks); a line whose comment says ``exit N`` must exit
N, every other line 0.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))

NEEDS = re.compile(r"#\s*needs:\s*([a-z]+)\s*$")
SKIPPED = ("github", "credentials", "terminal", "minutes")
EXIT = re.compile(r"\bexit (\d+)\b")
# The set-up steps the test's own environment stands for: the clone's .venv is this interpreter's venv.
SET_UP = re.compile(r"^(python3 -m venv \.venv|\.venv/bin/pip install .*)$")
LINE_TIMEOUT = 180  # seconds: a line that serves or waits forever fails, named, instead of hanging the suite
# What a newcomer's shell does not have: the runner's, credentials and GitHub's variables.
FOREIGN = re.compile(r"^(GITHUB_|INPUT_|RUNNER_|AWS_|ACTIONS_)|^(CI|BOT_TOKEN|CLIENT_ID|GUILD_ID|STAGING_.*)$")


@dataclass(frozen=True, slots=True)
class Line:
    number: int  # in README.md
    text: str
    section: str

    @property
    def needs(self) -> str | None:
        found = NEEDS.search(self.text)
        return found.group(1) if found else None

    @property
    def comment(self) -> str:
        return self.text.split(" # ", 1)[1] if " # " in self.text else ""

    @property
    def expected_exit(self) -> int:
        said = EXIT.search(self.comment)
        return int(said.group(1)) if said else 0

    @property
    def runnable(self) -> str:
        """The line as the test runs it: the set-up steps its environment stands for left out."""
        steps = [s.strip() for s in self.text.split(" && ")]
        return " && ".join(s for s in steps if not SET_UP.match(s.split(" # ", 1)[0].strip()))

    def __str__(self) -> str:
        return f"README.md:{self.number} ({self.section}): {self.text}"


def bash_lines(readme: str = README) -> list[Line]:
    """Every command line of every ```bash block, in order (continuation lines joined; comments left out)."""
    lines: list[Line] = []
    section, fenced, pending, start = "", False, "", 0
    for number, raw in enumerate(readme.splitlines(), 1):
        if not fenced and raw.startswith("#"):
            section = raw.lstrip("#").strip()
        if raw.startswith("```"):
            fenced = raw.strip() == "```bash" if not fenced else False
            continue
        if not fenced or (not pending and (not raw.strip() or raw.lstrip().startswith("#"))):
            continue
        start = start if pending else number
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1].strip() + " "
            continue
        lines.append(Line(start, pending + raw.strip(), section))
        pending = ""
    return lines


def setup_commands() -> list[str]:
    block = README.split("## Set up", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    lines = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    return [NEEDS.sub("", line).rstrip() for line in lines]


def table(heading: str) -> list[list[str]]:
    section = README.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]


def test_the_two_set_up_commands_are_what_ci_runs() -> None:
    commands = setup_commands()
    assert len(commands) == 2
    assert "command-deploy deploy" in commands[0] and "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in commands:
        assert command in ci, f"CI does not run the README's command: {command}"


def test_the_inputs_table_is_action_yml() -> None:
    rows = table("Inputs")
    assert [r[0].strip("`") for r in rows] == list(ACTION["inputs"])
    for name, default, description in rows:
        spec = ACTION["inputs"][name.strip("`")]
        assert default == (f"`{spec['default']}`" if spec.get("default") not in (None, "") else "")
        assert description == spec["description"]


def test_the_outputs_table_is_action_yml() -> None:
    rows = table("Outputs")
    assert [r[0].strip("`") for r in rows] == list(ACTION["outputs"])
    for name, description in rows:
        assert description == ACTION["outputs"][name.strip("`")]["description"]


def test_every_action_input_is_described_and_branded() -> None:
    assert ACTION["runs"]["using"] == "docker"
    assert {"icon", "color"} <= set(ACTION["branding"])
    for name, spec in ACTION["inputs"].items():
        assert re.fullmatch(r"[a-z][a-z0-9-]*", name), name
        assert spec.get("description"), name
        assert spec.get("required", False) is False, f"{name}: inputs are optional; the action says what is missing"


def fresh_clone(tmp_path: Path) -> Path:
    """HEAD in a temporary folder, its ``.venv`` this test's virtual environment (nothing reinstalled)."""
    clone = tmp_path / "command-deploy"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, capture_output=True)
    (clone / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return clone


def shell_env(clone: Path, home: Path) -> dict[str, str]:
    """A newcomer's shell after ``source .venv/bin/activate``, running the clone's code."""
    env = {k: v for k, v in os.environ.items() if not FOREIGN.match(k)}
    venv_bin = str(Path(sys.prefix) / "bin")
    env.update(
        PATH=os.pathsep.join([venv_bin, env.get("PATH", "")]),
        VIRTUAL_ENV=sys.prefix,
        PYTHONPATH=str(clone),  # the clone's alia_action, not the worktree's editable install
        HOME=str(home),
    )
    return env


def programs(line: str) -> list[str]:
    """The programs a line starts, and the scripts it gives python or bash: what must exist to run it later."""
    named: list[str] = []
    for step in re.split(r"&&|\|\||\|", line.split(" # ", 1)[0]):
        words = shlex.split(step)
        if not words:
            continue
        named.append(words[0])
        if words[0] in ("python", "python3", "bash") and len(words) > 1 and not words[1].startswith("-"):
            named.append(words[1])
    return named


def test_every_readme_command_line_runs_as_written_in_a_fresh_clone(tmp_path: Path) -> None:
    lines = bash_lines()
    assert len(lines) >= 10, "the README's ```bash blocks were not found"
    clone, home = fresh_clone(tmp_path), tmp_path / "home"
    home.mkdir()
    env = shell_env(clone, home)
    failures: list[str] = []
    ran = passed = 0
    skipped: dict[str, int] = {}
    for line in lines:
        needs = line.needs
        if needs is not None:
            assert needs in SKIPPED, f"{line}: '# needs: {needs}' is not one of {', '.join(SKIPPED)}"
            skipped[needs] = skipped.get(needs, 0) + 1
            if needs == "minutes":  # not run here, but what it starts must be there to start
                for name in programs(line.runnable):
                    if not (shutil.which(name, path=env["PATH"]) or (clone / name).exists()):
                        failures.append(f"{line}\n    '{name}' does not exist in a fresh clone")
            continue
        ran += 1
        try:
            proc = subprocess.run(
                ["bash", "-o", "pipefail", "-c", line.runnable],
                cwd=clone,
                env=env,
                capture_output=True,
                text=True,
                timeout=LINE_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            failures.append(f"{line}\n    still running after {LINE_TIMEOUT} s")
            continue
        if proc.returncode == line.expected_exit:
            passed += 1
            continue
        said = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-6:]
        failures.append(
            f"{line}\n    exit {proc.returncode}, the README says {line.expected_exit}:\n      " + "\n      ".join(said)
        )
    counts = ", ".join(f"{n} needing {kind}" for kind, n in sorted(skipped.items()))
    summary = (
        f"README lines: {len(lines)} in all, {ran} run, {passed} passed, {sum(skipped.values())} skipped ({counts})"
    )
    print(summary)
    assert not failures, summary + "\n" + "\n".join(failures)


def test_the_line_reader_joins_continuations_and_reads_markers() -> None:
    text = "## A\n```bash\n# a comment\ncmd one \\\n  --flag   # x (exit 1)\n\ngh run list   # needs: github\n```\n"
    text += "```\nnot bash\n```\n## B\n```bash\npython3 -m venv .venv && .venv/bin/pip install -e . && ls\n```\n"
    one, two, three = bash_lines(text)
    assert (one.number, one.text, one.section, one.expected_exit, one.needs) == (
        4,
        "cmd one --flag   # x (exit 1)",
        "A",
        1,
        None,
    )
    assert (two.needs, two.expected_exit) == ("github", 0)
    assert (three.section, three.runnable) == ("B", "ls")


def test_the_deployment_history_recipes_count_finished_results_only(tmp_path: Path) -> None:
    """Troubleshooting's counting lines against a record of 3 successes (1 a no-op), 2 failures and the claim
    every write leaves before it (one still unfinished): 3, 2 and 5 claims, whatever the claims say."""
    from datetime import UTC, datetime, timedelta

    from alia_action.stores.ledger import FileLedger, LedgerEntry

    ledger = FileLedger(tmp_path / "deployment.log")
    start = datetime(2026, 12, 1, tzinfo=UTC)
    results = ["success", "failure", "noop", "success", "failure", None]  # None: a run that never finished
    for i, outcome in enumerate(results):
        when = start + timedelta(minutes=i)
        common = {"action": "stage", "environment": "staging", "application_id": "1", "checksum": "c", "run": f"r{i}"}
        if outcome != "noop":  # a no-op writes nothing, so it claims nothing
            ledger.record(LedgerEntry(time=when, outcome="started", **common))
        if outcome is not None:
            ledger.record(LedgerEntry(time=when + timedelta(seconds=5), outcome=outcome, **common))
    recipes = [line for line in bash_lines() if line.section == "Troubleshooting" and "deployment.log" in line.text]
    answers = []
    for line in recipes:
        proc = subprocess.run(["bash", "-o", "pipefail", "-c", line.text], cwd=tmp_path, capture_output=True, text=True)
        assert proc.returncode == 0, f"{line}\n{proc.stderr}"
        answers.append(proc.stdout)
    counts = [int(a) for a in answers if a.strip().isdigit()]
    claims = next(a for line, a in zip(recipes, answers, strict=True) if '"started"' in line.text)
    assert counts == [3, 2], [line.text for line in recipes]
    assert len(claims.splitlines()) == 5
