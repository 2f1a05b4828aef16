"""``command-deploy health`` with a history that came back huge: bounded reads, whatever the file's size.

A fresh ``python -m alia_action.cli health --discord-api-url emulator`` per size (after a
``deploy`` to the built-in emulator, so the check is healthy), in a workspace whose ``metrics.log`` is a
sparse file of the given size (no disk used) ending in 5,000 real records, as a cache or an artifact can
bring back. Measured: wall time, the process's peak resident memory (its own ``ru_maxrss`` from ``wait4``),
and ``metrics.log``'s size afterwards (the check's append cuts it back under the byte cap).
The last rows are ``metrics.log`` as a link to ``/dev/zero`` and as a FIFO: both must finish.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/huge_history.py`: import from the repo, not from bench/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import REPO
from bench.proc import clean_env
from bench.table import markdown_table

RECORD = (
    '{{"v":1,"time":"2026-01-01T00:{m:02d}:{s:02d}Z","environment":"production","scope":"global",'
    '"application_id":"1180000000000000001","outcome":"healthy","response_time_ms":12.5,"attempts":1,'
    '"expected":3,"live":3,"deviation":0.0,"missing":[],"extra":[],"drifted":[],"error":null}}\n'
)
TIMEOUT = 300.0


def make_history(path: Path, size: int, records: int = 5000) -> None:
    body = "".join(RECORD.format(m=i // 60 % 60, s=i % 60) for i in range(records)).encode()
    with path.open("wb") as handle:
        handle.truncate(max(0, size - len(body)))
        handle.seek(0, os.SEEK_END)
        handle.write(body)


def run_health(workspace: Path) -> tuple[int, float, int, str]:
    """Exit code (-1: hung and killed), seconds, this child's own peak RSS in MiB, its last metrics.log line."""
    cmd = [sys.executable, "-m", "alia_action.cli", "health", "--discord-api-url", "emulator"]
    log = workspace.parent / f"{workspace.name}.out"
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=workspace, env=clean_env(workspace), stdout=out, stderr=subprocess.STDOUT)
        killer = threading.Timer(TIMEOUT, proc.kill)
        killer.start()
        _pid, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not every child's so far
        killer.cancel()
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        return -1, elapsed, usage.ru_maxrss // 1024, f"HUNG: killed after {TIMEOUT:.0f} s"
    text = log.read_text(errors="replace").replace(str(workspace) + "/", "")
    notes = [line.strip() for line in text.splitlines() if "metrics.log" in line]
    return code, elapsed, usage.ru_maxrss // 1024, (notes[-1] if notes else "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    args = parser.parse_args(argv)
    sizes = [1 << 20, 64 << 20] if args.quick else [1 << 20, 64 << 20, 2 << 30, 16 << 30]
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        base = Path(tmp)
        for index, size in enumerate([*sizes, "/dev/zero", "fifo"]):
            workspace = base / f"ws{index}"
            shutil.copytree(REPO / "examples" / "commands", workspace / "commands")
            deploy = [sys.executable, "-m", "alia_action.cli", "deploy", "--discord-api-url", "emulator"]
            subprocess.run(deploy, cwd=workspace, env=clean_env(workspace), capture_output=True, check=True)
            history = workspace / "metrics.log"
            if size == "/dev/zero":
                history.symlink_to("/dev/zero")
                label = "link to /dev/zero"
            elif size == "fifo":
                os.mkfifo(history)
                label = "FIFO"
            else:
                assert isinstance(size, int)
                make_history(history, size)
                label = f"{size / (1 << 20):,.0f} MiB"
            code, seconds, peak, note = run_health(workspace)
            after = history.stat().st_size if history.is_file() and not history.is_symlink() else None
            rows.append(
                [
                    label,
                    code,
                    f"{seconds:.2f}",
                    peak,
                    "–" if after is None else f"{after / (1 << 20):.2f}",
                    note[:90] or "–",
                ]
            )
    print("## Health with a huge or endless metrics.log\n")
    print(__doc__.split("\n\n", 1)[1].strip().replace("\n", " ") + "\n")
    print(
        markdown_table(
            ["metrics.log", "exit", "seconds", "peak RSS MiB", "size after MiB", "note"],
            rows,
        )
    )
    hung = [r for r in rows if r[1] == -1]
    print(f"\n{'FAIL' if hung else 'PASS'}: {len(hung)} of {len(rows)} runs hung")
    return 0


if __name__ == "__main__":
    sys.exit(main())
