"""Dashboard build time from a month of records (30 days of 5-minute health checks: 8,640 lines), and
the size the charting library (Chart.js, inlined into the HTML) adds to the image and to each dashboard.

    python bench/dashboard.py [--quick] [--screenshot docs/dashboard.png]

The build is the ``dashboard`` handler end to end: read deployment.log, metrics.log, alerts.log and the
backup store, compute, render the HTML and the Markdown, write both.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/dashboard.py`: import from the repo, not from bench/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from alia_action.config import Settings
from alia_action.dashboard.html import CHART_LIBRARY
from alia_action.handlers import dashboard
from alia_action.runtime import Runtime
from bench.dashboard_history import END, write_history
from bench.table import markdown_table

KB = 1000


def build(workspace: Path) -> tuple[float, int]:
    """Seconds to build, and the health checks the dashboard counted (all of them, not the newest 2,000)."""
    settings = Settings.from_cli({"action": "dashboard"}, {}, None)
    ctx = Runtime(workspace=workspace, now=lambda: END)
    start = time.perf_counter()
    try:
        outcome = dashboard.run(settings, ctx)
    finally:
        ctx.close()
    elapsed = time.perf_counter() - start
    counted: int = (outcome.report or {})["health"]["checks"]
    return elapsed, counted


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 days of checks, 2 builds (a smoke run)")
    parser.add_argument("--screenshot", type=Path, help="also write a screenshot of the dashboard (Chromium)")
    args = parser.parse_args(argv)
    days, repeats = (3, 2) if args.quick else (30, 7)
    with tempfile.TemporaryDirectory(prefix="dashboard-bench-") as folder:
        workspace = Path(folder)
        lines = write_history(workspace, days=days, every=timedelta(minutes=5))
        builds = [build(workspace) for _ in range(repeats)]
        times = [seconds for seconds, _ in builds]
        counted = builds[-1][1]
        if counted != lines:
            raise SystemExit(f"the dashboard counted {counted} of the {lines} health lines written")
        page = workspace / "command-dashboard.html"
        html_size = page.stat().st_size
        library = Path(dashboard.__file__).resolve().parent.parent / "dashboard" / "vendor" / CHART_LIBRARY
        library_size = library.stat().st_size
        if args.screenshot:
            from bench.browser import screenshot

            screenshot(page, args.screenshot)
    print("## Dashboard\n")
    print(
        markdown_table(
            ["health lines", "days", "builds", "median build (ms)", "slowest (ms)", "HTML (kB)", "Chart.js (kB)"],
            [
                [
                    f"{lines:,}",
                    days,
                    repeats,
                    f"{statistics.median(times) * 1000:.0f}",
                    f"{max(times) * 1000:.0f}",
                    f"{html_size / KB:.0f}",
                    f"{library_size / KB:.0f}",
                ]
            ],
        )
    )
    print(
        f"\nThe charting library is `{CHART_LIBRARY}` (Chart.js, MIT), vendored into the package: it adds "
        f"{library_size:,} bytes to the image (its licence adds 1 kB) and is inlined in every dashboard, which "
        "therefore opens with no network."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
