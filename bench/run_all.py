"""Run every benchmark and print one Markdown document (date and machine first), also written to
``bench/results.md`` so the README can paste it.

Each benchmark runs in its own process, so one's threads, imports and caches never touch another's
timings.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/run_all.py`: import from the repo, not from bench/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import REPO
from bench.table import machine

BENCHMARKS = (
    "detect",
    "cold_start",
    "requests",
    "monitor",
    "image_size",
    "s3_requests",
    "dashboard",
    "huge_history",
    "two_applications",
)
RESULTS = REPO / "bench" / "results.md"


def run(name: str, quick: bool) -> tuple[str, float]:
    """One benchmark's Markdown; its stderr passes through, a failure stops everything."""
    cmd = [sys.executable, str(REPO / "bench" / f"{name}.py"), *(["--quick"] if quick else [])]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"bench/{name}.py failed (exit {proc.returncode})")
    return proc.stdout.strip(), elapsed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks every script works")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the document is written")
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="run only these (repeatable)")
    args = parser.parse_args(argv)

    try:  # the benchmarks run the project in this interpreter: say so plainly when it cannot
        import httpx  # noqa: F401

        import alia_action.config  # noqa: F401
    except ImportError as exc:
        raise SystemExit(
            f"bench/run_all.py cannot run: {sys.executable} cannot import the project ({exc}). Run it with the "
            "project's virtual environment: `source .venv/bin/activate` first, or `.venv/bin/python bench/run_all.py`."
        ) from None
    where = machine()  # before anything runs: its load average is the box's, not ours
    sections: list[str] = []
    timings: list[str] = []
    for name in args.only or BENCHMARKS:
        text, elapsed = run(name, args.quick)
        sections.append(text)
        timings.append(f"{name} {elapsed:.0f} s")
        print(f"bench/{name}.py done in {elapsed:.1f} s", file=sys.stderr, flush=True)

    now = datetime.now(UTC)
    document = "\n\n".join(
        [
            "# command-deploy benchmarks",
            f"Run {now:%Y-%m-%d %H:%M} UTC with `python bench/run_all.py`{' --quick' if args.quick else ''} "
            f"on {where}. Benchmark run times: {', '.join(timings)}.",
            *sections,
        ]
    )
    print(document)
    args.output.write_text(document + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
