"""Headless Chromium (Debian's ``chromium`` package) for the dashboard: the DOM after scripts ran, its
console, and screenshots. No network: the page is a local file and background networking is off."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",  # root in CI containers; the page is our own file
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--hide-scrollbars",
)
BUDGET_MS = 10_000  # virtual time for scripts to run: not wall time, so a slow machine gets the same page
TIMEOUT = 120.0


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass(frozen=True, slots=True)
class Page:
    dom: str
    console: list[str]  # every console message and uncaught error the page produced


def _run(page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    binary = chromium()
    if binary is None:
        raise RuntimeError("chromium is not installed (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        return subprocess.run(
            [
                binary,
                *FLAGS,
                f"--user-data-dir={profile}",  # fresh: no state from another run
                "--enable-logging=stderr",
                "--v=0",
                f"--virtual-time-budget={BUDGET_MS}",
                *extra,
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )


def open_page(page: Path) -> Page:
    done = _run(page, "--dump-dom")
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited {done.returncode}: {done.stderr[-1500:]}")
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return Page(done.stdout, console)


def screenshot(page: Path, target: Path, *, width: int = 1280, height: int = 1800) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    done = _run(page, f"--screenshot={target.resolve()}", f"--window-size={width},{height}")
    if done.returncode != 0 or not target.is_file():
        raise RuntimeError(f"chromium could not take the screenshot: {done.stderr[-1500:]}")
