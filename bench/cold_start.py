"""Cold start of the action: interpreter start to the first line in the step log, for ``detect``.

Runs ``python entrypoint.py`` as GitHub's runner runs the Docker action: working directory the
workspace, inputs as ``INPUT_*`` variables, ``GITHUB_ACTIONS=true``, the ``GITHUB_*`` files, and the
image's ``PYTHONUNBUFFERED=1``. The clock starts before the process is spawned, so interpreter start-up,
imports, loading and validating the examples and the first write to stdout are all inside it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/cold_start.py`: import from the repo, not from bench/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import REPO
from bench.commandsets import EXAMPLES
from bench.proc import PYTHON, FirstLine, ImportProfile, clean_env, import_profile, time_first_line
from bench.stats import ms
from bench.table import markdown_table


def action_env(root: Path) -> tuple[Path, dict[str, str]]:
    """A workspace holding the examples, and the environment the runner gives the container."""
    workspace = root / "workspace"
    shutil.copytree(EXAMPLES, workspace / "commands")
    files = root / "runner"
    files.mkdir()
    for name in ("output", "summary"):
        (files / name).write_text("")
    (files / "event.json").write_text(json.dumps({}))
    env = clean_env(
        files,
        {
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_OUTPUT": str(files / "output"),
            "GITHUB_STEP_SUMMARY": str(files / "summary"),
            "GITHUB_EVENT_PATH": str(files / "event.json"),
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_API_URL": "http://127.0.0.1:9/",  # nothing listens: a stray GitHub call fails at once
            "PYTHONUNBUFFERED": "1",
            "INPUT_ACTION": "detect",
            "INPUT_COMMANDS": "commands",
        },
    )
    return workspace, env


def render(action: FirstLine, action_profile: ImportProfile, bare: FirstLine, bare_profile: ImportProfile) -> str:
    header = ["run", "first line median ms", "p90 ms", "exit median ms", "imports ms", "import share"]
    rows = [
        [
            "`python entrypoint.py` (action: detect, 51 examples)",
            ms(action.first.median_ms),
            ms(action.first.p90_ms),
            ms(action.exit.median_ms),
            ms(action_profile.imports_ms),
            f"{action_profile.imports_ms / (action_profile.wall * 1000):.0%}",
        ],
        [
            "`python -c \"print('ready')\"` (interpreter alone)",
            ms(bare.first.median_ms),
            ms(bare.first.p90_ms),
            ms(bare.exit.median_ms),
            ms(bare_profile.imports_ms),
            f"{bare_profile.imports_ms / (bare_profile.wall * 1000):.0%}",
        ],
    ]
    return markdown_table(header, rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15, help="timed runs (after one warm-up)")
    parser.add_argument("--quick", action="store_true", help="2 runs: checks the script works")
    args = parser.parse_args(argv)
    reps = 2 if args.quick else args.reps

    with tempfile.TemporaryDirectory(prefix="bench-cold-start-") as tmp:
        workspace, env = action_env(Path(tmp))
        entry = [str(REPO / "entrypoint.py")]
        action = time_first_line([PYTHON, *entry], reps=reps, cwd=workspace, env=env)
        action_profile = import_profile(entry, cwd=workspace, env=env)
        code = ["-c", "print('ready')"]
        bare = time_first_line([PYTHON, *code], reps=reps, cwd=workspace, env=env)
        bare_profile = import_profile(code, cwd=workspace, env=env)

    print("## Cold start of the action (detect)\n")
    print(
        f"`python entrypoint.py` with `INPUT_ACTION=detect`, `INPUT_COMMANDS=commands`, `GITHUB_ACTIONS=true` and "
        f"the runner's `GITHUB_*` files, in a workspace holding the examples; {reps} runs after one warm-up. "
        "First line: from spawning the process to the first stdout line (detect prints its result in one go, "
        "so it comes right before exit). Imports: `-X importtime` total (median of 3 more runs), share of "
        f"that run's wall time. First line printed: `{action.line[:80]}`\n"
    )
    print(render(action, action_profile, bare, bare_profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
