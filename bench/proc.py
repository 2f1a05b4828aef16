"""Time fresh Python processes: wall time, time to the first output line, and ``-X importtime`` profiles."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import REPO
from .stats import Timing

PYTHON = sys.executable


def clean_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: no credential of the caller's shell can turn a run into a live one."""
    env = {
        "PATH": os.defpath,
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO),
    }
    env.update(extra or {})
    return env


class BenchError(RuntimeError):
    """A benchmarked process did not behave as the benchmark expects (so its time means nothing)."""


def _check(cmd: Sequence[str], returncode: int, stderr: str, allowed: Sequence[int]) -> None:
    if returncode not in allowed:
        tail = "\n".join(stderr.strip().splitlines()[-5:])
        raise BenchError(f"{' '.join(cmd)} exited {returncode} (expected {list(allowed)}):\n{tail}")


def time_runs(
    cmd: Sequence[str], *, reps: int, cwd: Path, env: Mapping[str, str], allowed: Sequence[int] = (0,)
) -> Timing:
    """Wall time of ``reps`` runs, after one untimed run that warms the page and bytecode caches."""
    samples: list[float] = []
    for i in range(reps + 1):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env=dict(env), capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        _check(cmd, proc.returncode, proc.stderr, allowed)
        if i:
            samples.append(elapsed)
    return Timing.of(samples)


def time_pairs(
    first: Sequence[str], second: Sequence[str], *, reps: int, cwd: Path, env: Mapping[str, str]
) -> list[float]:
    """``reps`` ratios of wall times, ``first`` over ``second``, each pair run back to back (after one untimed
    pair): a load that comes and goes on a shared machine weighs on both sides of every ratio alike."""
    ratios: list[float] = []
    for i in range(reps + 1):
        pair: list[float] = []
        for cmd in (first, second):
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=cwd, env=dict(env), capture_output=True, text=True, check=False)
            pair.append(time.perf_counter() - start)
            _check(cmd, proc.returncode, proc.stderr, (0,))
        if i:
            ratios.append(pair[0] / pair[1])
    return ratios


@dataclass(frozen=True, slots=True)
class FirstLine:
    first: Timing  # process start → first line on stdout
    exit: Timing  # process start → exit
    line: str  # the first line itself (from the last run)


def time_first_line(
    cmd: Sequence[str], *, reps: int, cwd: Path, env: Mapping[str, str], allowed: Sequence[int] = (0,)
) -> FirstLine:
    """Time to the first stdout line, as a log viewer sees it, and to exit; one untimed warm-up run."""
    firsts: list[float] = []
    exits: list[float] = []
    line = ""
    for i in range(reps + 1):
        start = time.perf_counter()
        with subprocess.Popen(
            cmd, cwd=cwd, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as proc:
            assert proc.stdout is not None and proc.stderr is not None
            line = proc.stdout.readline()
            first = time.perf_counter() - start
            proc.stdout.read()
            stderr = proc.stderr.read()
            returncode = proc.wait()
            done = time.perf_counter() - start
        _check(cmd, returncode, stderr, allowed)
        if not line:
            raise BenchError(f"{' '.join(cmd)} printed nothing")
        if i:
            firsts.append(first)
            exits.append(done)
    return FirstLine(Timing.of(firsts), Timing.of(exits), line.rstrip("\n"))


@dataclass(frozen=True, slots=True)
class ImportProfile:
    """One run under ``python -X importtime``."""

    wall: float  # seconds, the whole run (importtime's own overhead included)
    imports_us: int  # sum of the top-level cumulative times: every import of the run
    modules: frozenset[str]  # every module imported
    stdout: str
    returncode: int

    @property
    def imports_ms(self) -> float:
        return self.imports_us / 1000

    def top_level_packages(self) -> frozenset[str]:
        return frozenset(m.split(".")[0] for m in self.modules)


def parse_importtime(stderr: str) -> tuple[int, frozenset[str]]:
    """Total import time (µs) and module names from ``-X importtime`` lines.

    Lines read ``import time: <self> | <cumulative> | <indent><module>``; an indent of nothing marks
    an import made by the program itself (its cumulative time already holds the nested ones).
    """
    total = 0
    modules: set[str] = set()
    for raw in stderr.splitlines():
        if not raw.startswith("import time:"):
            continue
        parts = raw[len("import time:") :].split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue  # the header line
        name = parts[2][1:]  # one space separates the column from the indent
        modules.add(name.strip())
        if not name.startswith(" "):
            total += int(parts[1])
    return total, frozenset(modules)


def import_profile(
    args: Sequence[str], *, cwd: Path, env: Mapping[str, str], allowed: Sequence[int] = (0,), reps: int = 3
) -> ImportProfile:
    """Run ``python -X importtime <args>`` ``reps`` times (after a warm-up); the run of median import time."""
    cmd = [PYTHON, "-X", "importtime", *args]
    profiles: list[ImportProfile] = []
    for i in range(reps + 1):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env=dict(env), capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        _check(cmd, proc.returncode, proc.stderr, allowed)
        total, modules = parse_importtime(proc.stderr)
        if i:
            profiles.append(ImportProfile(wall, total, modules, proc.stdout, proc.returncode))
    profiles.sort(key=lambda p: p.imports_us)
    return profiles[len(profiles) // 2]
