"""Process wall time of ``command-deploy detect`` on 51, 130 and 1,000 commands, and what imports cost.

Each run is a fresh ``python -m alia_action.cli detect --commands … --format json`` in an empty
working directory (no checksum file, no credentials: the offline baseline), as a CI step runs it.
References: ``python -c pass`` (interpreter start) and ``python -c "import pydantic"`` timed the same way.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/detect.py`: import from the repo, not from bench/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.commandsets import EXAMPLES, full_scope, tree_of_scopes, write_files
from bench.proc import PYTHON, ImportProfile, clean_env, import_profile, time_pairs, time_runs
from bench.stats import Timing, ms
from bench.table import markdown_table

# detect must start lean: these are imported only by the handlers that talk to the outside world.
HEAVY = ("boto3", "botocore", "github", "sentry_sdk", "httpx")
RATIO_TARGET = 1.5  # detect on the examples within 1.5x of `python -c "import pydantic"` (issue 21)


@dataclass(frozen=True, slots=True)
class Case:
    label: str
    commands: Path
    files: int
    allowed: tuple[int, ...] = (0,)


@dataclass(frozen=True, slots=True)
class Result:
    label: str
    files: int
    commands: int
    exit_codes: str
    timing: Timing
    profile: ImportProfile


def detect_args(commands: Path) -> list[str]:
    return ["-m", "alia_action.cli", "detect", "--commands", str(commands), "--format", "json"]


def build_cases(root: Path, *, quick: bool) -> list[Case]:
    examples = Case("examples (`examples/commands`)", EXAMPLES, len(list(EXAMPLES.rglob("*.json"))))
    scope = write_files(full_scope(), root / "scope" / "commands", folders=8)
    per_dir, dirs = ((6, 1, 1), 2) if quick else ((95, 15, 15), 8)
    tree = root / "tree" / "commands"
    files = tree_of_scopes(dirs, per_dir, tree)
    # Over Discord's per-scope counts on purpose: detect reports the errors and exits 1; timed all the same.
    return [
        examples,
        Case("full scope: 100 CHAT_INPUT + 15 USER + 15 MESSAGE", scope[0].parent.parent, len(scope)),
        Case(f"{files:,} files in {dirs} folders (count errors)", tree, files, (0, 1)),
    ]


def run_case(case: Case, reps: int, home: Path) -> Result:
    cwd = Path(tempfile.mkdtemp(dir=home))  # empty: no checksum file, no .env, the report lands here
    env = clean_env(home)
    args = detect_args(case.commands)
    timing = time_runs([PYTHON, *args], reps=reps, cwd=cwd, env=env, allowed=case.allowed)
    profile = import_profile(args, cwd=cwd, env=env, allowed=case.allowed)
    report = json.loads(profile.stdout)
    return Result(case.label, case.files, len(report["commands"]), str(profile.returncode), timing, profile)


def reference(label: str, code: str, reps: int, home: Path) -> Result:
    env = clean_env(home)
    timing = time_runs([PYTHON, "-c", code], reps=reps, cwd=home, env=env)
    profile = import_profile(["-c", code], cwd=home, env=env)
    return Result(label, 0, 0, "0", timing, profile)


def render(results: list[Result], pydantic: Result) -> str:
    header = ["run", "files", "commands", "exit", "median ms", "p90 ms", "imports ms", "import share", "÷ pydantic"]
    rows: list[list[object]] = []
    for r in results:
        share = r.profile.imports_ms / (r.profile.wall * 1000)
        ratio = r.timing.median_ms / pydantic.timing.median_ms
        rows.append(
            [
                r.label,
                f"{r.files:,}" if r.files else "–",
                f"{r.commands:,}" if r.commands else "–",
                r.exit_codes,
                ms(r.timing.median_ms),
                ms(r.timing.p90_ms),
                ms(r.profile.imports_ms),
                f"{share:.0%}",
                f"{ratio:.1f}×",
            ]
        )
    return markdown_table(header, rows)


# The floor of anything that validates with pydantic, as detect's settings and command schema did before issue 21:
# kept beside detect to show what validating with one pydantic model would cost it.
ONE_MODEL = "from pydantic import BaseModel\nclass M(BaseModel):\n    a: int = 1\nM(a=2)"


def side_by_side(reps: int, home: Path) -> list[str]:
    """detect on the examples over ``python -c "import pydantic"``, run in pairs: the ratio to hold to the target;
    and, the same way, a process that defines and validates one pydantic model: the floor detect had while it
    validated with pydantic."""
    cwd = Path(tempfile.mkdtemp(dir=home))
    env = clean_env(home)
    reference = [PYTHON, "-c", "import pydantic"]
    lines = []
    for label, cmd in (("detect", [PYTHON, *detect_args(EXAMPLES)]), ("one pydantic model", [PYTHON, "-c", ONE_MODEL])):
        ratios = sorted(time_pairs(cmd, reference, reps=reps, cwd=cwd, env=env))
        median = statistics.median(ratios)
        verdict = "within" if median <= RATIO_TARGET else "NOT within"
        lines.append(
            f'{label} ÷ `python -c "import pydantic"`, side by side ({reps} pairs): median {median:.2f}× '
            f"(range {ratios[0]:.2f}–{ratios[-1]:.2f}×), {verdict} the {RATIO_TARGET}× target"
        )
    return lines


def heavy_line(results: list[Result]) -> str:
    found = sorted({pkg for r in results for pkg in r.profile.top_level_packages() if pkg in HEAVY})
    names = ", ".join(HEAVY)
    if found:
        return f"FAIL: detect imported {', '.join(found)} (it must not import any of {names})"
    return f"PASS: detect imported none of {names} (checked in the `-X importtime` module list of every run above)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15, help="timed runs per case (after one warm-up)")
    parser.add_argument("--large-reps", type=int, default=7, help="timed runs of the 1,000-file case")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and 2 runs: checks the script works")
    args = parser.parse_args(argv)
    reps, large = (2, 1) if args.quick else (args.reps, args.large_reps)

    with tempfile.TemporaryDirectory(prefix="bench-detect-") as tmp:
        home = Path(tmp)
        cases = build_cases(home, quick=args.quick)
        results = [run_case(c, large if c.allowed != (0,) else reps, home) for c in cases]
        pydantic = reference('`python -c "import pydantic"`', "import pydantic", reps, home)
        bare = reference("`python -c pass`", "pass", reps, home)
        paired = side_by_side(reps, home)

    print("## detect: process wall time\n")
    print(
        f"A fresh `python -m alia_action.cli detect --commands DIR --format json` per run, offline baseline; "
        f"median and p90 of {reps} runs ({large} for the 1,000 files) after one warm-up. "
        "Imports: the sum of `python -X importtime`'s top-level cumulative times (the median of 3 more runs); "
        "share: of that run's wall time (importtime's own overhead included). "
        '÷ pydantic: median wall time over that of `python -c "import pydantic"`.\n'
    )
    print(render([*results, pydantic, bare], pydantic))
    print()
    print(heavy_line(results))
    print()
    print("\n\n".join(paired))
    return 0


if __name__ == "__main__":
    sys.exit(main())
