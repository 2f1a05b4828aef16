"""The mutation score per module from a finished ``mutmut run`` (its mutants/**/*.py.meta files).

Killed / (mutants - rejected by mypy - equivalent). A mutant mypy rejects (mutmut's type-check filter, exit code
37) is a change CI's ``mypy --strict`` would refuse before any test runs: it is counted, in its own column, but
not in the score, which is about the bugs that type-check. A mutant no selected test reaches ("no tests") counts
as a survivor, since a bug there would pass the fast tiers too. Equivalent mutants (no behaviour any test could
see) are listed, with why, in tests/mutation-equivalents.md: one ``- `name`: why`` line each.

    python tools/mutation_score.py                 # the table; exit 1 below the threshold
    python tools/mutation_score.py --threshold 85  # another threshold
    python tools/mutation_score.py --survivors     # the names of the survivors, to look at with mutmut show
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "tests" / "mutation-equivalents.md"
THRESHOLD = 90.0  # percent of the non-equivalent mutants the fast tests must kill, overall
# mutmut's exit codes of a mutant's test run (mutmut/stats.py): what each means here.
KILLED = {1, 3, 36, 24, -24, 152, 255}  # a failing test, pytest's internal error, a timeout
TYPE_CHECK = 37  # mypy rejected the mutated code (pyproject's type_check_command)
SURVIVED = {0, 5, 33}  # every selected test passed, or no selected test reaches the mutant


def equivalents(path: Path = EQUIVALENTS) -> set[str]:
    """The mutant names listed as equivalent (each with its reason) in ``path``."""
    if not path.exists():
        return set()
    return set(re.findall(r"^- `([^`]+)`:", path.read_text(encoding="utf-8"), re.MULTILINE))


def results(mutants: Path) -> dict[str, dict[str, int | None]]:
    """Module path → mutant name → exit code (None: not run)."""
    out: dict[str, dict[str, int | None]] = {}
    for meta in sorted(mutants.rglob("*.py.meta")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        module = str(meta.relative_to(mutants)).removesuffix(".meta")
        out[module] = dict(data.get("exit_code_by_key", {}))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mutants", type=Path, default=ROOT / "mutants", help="mutmut's output folder")
    parser.add_argument("--threshold", type=float, default=THRESHOLD, help="lowest overall score that passes (%%)")
    parser.add_argument("--survivors", action="store_true", help="list the surviving mutants")
    args = parser.parse_args(argv)
    by_module = results(args.mutants)
    if not by_module:
        print(f"no mutmut results under {args.mutants}: run tools/mutation.sh first", file=sys.stderr)
        return 2
    listed = equivalents()
    total: Counter[str] = Counter()
    print(f"{'module':40} {'mutants':>7} {'mypy':>6} {'killed':>7} {'survived':>8} {'equiv':>6} {'score':>7}")
    survivors: list[str] = []
    for module, codes in by_module.items():
        count: Counter[str] = Counter()
        run = {name: code for name, code in codes.items() if code is not None}  # a run of some modules only
        if not run:
            continue
        count["not run"] = len(codes) - len(run)  # a run stopped early: the score is of the mutants judged
        for name, code in run.items():
            count["mutants"] += 1
            if code == TYPE_CHECK:
                count["mypy"] += 1
            elif name in listed:
                count["equivalent"] += 1
            elif code in KILLED:
                count["killed"] += 1
            elif code in SURVIVED:
                count["survived"] += 1
                survivors.append(name)
            else:
                count["survived"] += 1  # suspicious, segfault: not a proof of a kill
                survivors.append(name)
        total.update(count)
        print(line(module, count))
    print(line("all", total))
    if not total["mutants"]:  # a run that judged nothing proves nothing: never a pass
        print(f"no mutant was judged under {args.mutants}: did the run stop before its first?", file=sys.stderr)
        return 2
    if args.survivors:
        print("\n".join(survivors))
    score = percent(total)
    if score < args.threshold:
        print(f"mutation score {score:.1f}% is below the threshold of {args.threshold:.0f}%")
        return 1
    print(f"mutation score {score:.1f}% (threshold {args.threshold:.0f}%)")
    return 0


def percent(count: Counter[str]) -> float:
    judged = count["mutants"] - count["mypy"] - count["equivalent"]
    return 100.0 * count["killed"] / judged if judged else 100.0


def line(module: str, count: Counter[str]) -> str:
    unjudged = f"  ({count['not run']} not run)" if count["not run"] else ""
    return (
        f"{module:40} {count['mutants']:>7} {count['mypy']:>6} {count['killed']:>7} {count['survived']:>8} "
        f"{count['equivalent']:>6} "
        f"{percent(count):>6.1f}%{unjudged}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
