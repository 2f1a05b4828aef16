"""The Development tools run by an interpreter without the project's dependencies (the system Python, no
venv): they say plainly that they cannot run, instead of "0 of 6 breakages caught" or a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.cli_process import ROOT


def bare_python(tmp_path: Path) -> Path:
    """This interpreter without its site-packages (``-S``): a Python that has never seen the venv."""
    script = tmp_path / "python"
    script.write_text(f'#!/bin/sh\nexec {sys.executable} -S "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return script


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_mutation_check_says_it_cannot_run_and_checks_nothing(tmp_path: Path) -> None:
    proc = run(sys.executable, "tools/mutation_check.py", "--python", str(bare_python(tmp_path)))
    assert proc.returncode == 2
    assert "mutation check cannot run" in proc.stderr and "No module named" in proc.stderr
    assert "source .venv/bin/activate" in proc.stderr and "No mutation was checked" in proc.stderr
    assert "breakages caught" not in proc.stdout + proc.stderr


def test_the_benchmarks_say_they_cannot_run(tmp_path: Path) -> None:
    proc = run(str(bare_python(tmp_path)), "bench/run_all.py", "--output", str(tmp_path / "results.md"))
    assert proc.returncode == 1
    assert "bench/run_all.py cannot run" in proc.stderr and "source .venv/bin/activate" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "results.md").exists()
