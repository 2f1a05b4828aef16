"""Which tests a mutmut run (tools/mutation.sh) gives one mutant, and in what order.

mutmut runs, for each mutant, every test its stats run saw reach the mutated function. Two rules on top:

* a mutant of the pure domain (``alia_action/commands``) must be killed by a unit test: the unit tier is the
  domain's specification, and the integration tests that also pass through the domain cost up to seconds each,
  on every mutant that survives;
* the tests run fastest first (their times from mutmut's stats run), so a killed mutant stops at the cheapest
  test that fails.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, TypeVar

DOMAIN = "alia_action.commands."
UNIT = "tests/unit/"
STATS = "mutmut-stats.json"  # written by mutmut beside the tests, in the folder its runs start in


class Item(Protocol):
    @property
    def nodeid(self) -> str: ...


T = TypeVar("T", bound=Item)


def mutant_under_test(environ: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """The mutant this process runs the tests of; None outside mutmut and in its own runs (stats, clean, forced
    fail), whose names are not mutants'."""
    name = environ.get("MUTANT_UNDER_TEST", "")
    return name if "__mutmut_" in name else None


def test_times(root: Path) -> dict[str, float]:
    """Each test's time in mutmut's stats run, by node id; empty when there is none."""
    try:
        data = json.loads((root / STATS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    times = data.get("duration_by_test", {})
    return {str(k): float(v) for k, v in times.items()} if isinstance(times, dict) else {}


def for_mutant(mutant: str, items: Sequence[T], times: dict[str, float]) -> tuple[list[T], list[T]]:
    """(the tests to run, fastest first; the tests left out) for ``mutant``."""
    domain = mutant.startswith(DOMAIN)
    kept = [i for i in items if not domain or i.nodeid.startswith(UNIT)]
    left = [i for i in items if domain and not i.nodeid.startswith(UNIT)]
    kept.sort(key=lambda i: times.get(i.nodeid, 0.0))
    return kept, left
