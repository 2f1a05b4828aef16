"""Installed size of the image's Python dependencies (``requirements.lock``, the pinned runtime set).

Creates a temporary venv, ``pip install -r requirements.lock`` into it, and reports the size of what
was installed, in total and per distribution (from each one's ``RECORD``). Without a reachable
package index it says so and exits 0.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/image_size.py`: import from the repo, not from bench/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import REPO
from bench.table import markdown_table

MB = 1_000_000
TOP = 8


@dataclass(frozen=True, slots=True)
class Distribution:
    name: str
    version: str
    size: int  # bytes on disk, as installed (bytecode included)


def site_packages(venv: Path) -> Path:
    paths = sysconfig.get_paths(vars={"base": str(venv), "platbase": str(venv)})
    return Path(paths["purelib"])


def tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def distributions(site: Path) -> list[Distribution]:
    """Every installed distribution with the size of the files its RECORD lists."""
    found: list[Distribution] = []
    for info in sorted(site.glob("*.dist-info")):
        name, _, version = info.name.removesuffix(".dist-info").partition("-")
        record = info / "RECORD"
        size = 0
        if record.is_file():
            with record.open(newline="", encoding="utf-8") as handle:
                for row in csv.reader(handle):
                    path = (site / row[0]).resolve() if row else None
                    if path is not None and path.is_file():
                        size += path.stat().st_size
        found.append(Distribution(name, version, size))
    return sorted(found, key=lambda d: d.size, reverse=True)


def install(requirements: Path, venv: Path) -> subprocess.CompletedProcess[str]:
    """This interpreter's pip installs into the bare venv (``--python``), so the venv holds only the deps."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "--disable-pip-version-check",
            "install",
            "--no-cache-dir",
            "--timeout",
            "15",
            "--retries",
            "1",
            "-r",
            str(requirements),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def render(dists: list[Distribution], total: int) -> str:
    rows: list[list[object]] = [[d.name, d.version, f"{d.size / MB:.1f}"] for d in dists[:TOP]]
    rest = dists[TOP:]
    if rest:
        rows.append([f"{len(rest)} others", "", f"{sum(d.size for d in rest) / MB:.1f}"])
    rows.append([f"**total** ({len(dists)} distributions)", "", f"**{total / MB:.1f}**"])
    return markdown_table(["distribution", "version", "MB"], rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requirements", type=Path, default=REPO / "requirements.lock")
    parser.add_argument("--quick", action="store_true", help="install nothing: checks the script works offline")
    args = parser.parse_args(argv)

    print("## Image dependencies: installed size\n")
    with tempfile.TemporaryDirectory(prefix="bench-image-") as tmp:
        if args.quick:
            args.requirements = Path(tmp) / "nothing.txt"
            args.requirements.write_text("", encoding="utf-8")
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        site = site_packages(venv)
        empty = tree_size(site)
        start = time.perf_counter()
        proc = install(args.requirements, venv)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            last = next((line for line in reversed(proc.stderr.strip().splitlines()) if line.strip()), "")
            print(
                f"Skipped: `pip install -r {args.requirements.name}` failed (is the package index reachable?). "
                f"pip said: {last.strip()[:200]}"
            )
            return 0
        total = tree_size(site) - empty
        dists = distributions(site)

    print(
        f"`pip install -r {args.requirements.name}` into an empty venv ({elapsed:.0f} s); sizes on disk as "
        f"installed, bytecode included, per distribution from its `RECORD`. The image adds these to "
        f"`python:3.11-slim`.\n"
    )
    print(render(dists, total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
