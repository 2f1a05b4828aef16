"""The test tiers: README set-up command 2, .ci/run and the CI workflow run one and the same full-suite command."""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support import mutant_runs

ROOT = Path(__file__).resolve().parents[2]
SETUP_TESTS = re.compile(r"^# 2\. The tests.*\n(?P<line>.+)$", re.MULTILINE)


def readme_command_2() -> str:
    found = SETUP_TESTS.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "README's set-up command 2"
    return found["line"].split("  # needs:", 1)[0].rstrip()  # the README convention's trailing note


def test_readme_command_2_runs_every_tier() -> None:
    assert readme_command_2().endswith("-m pytest --e2e")


def test_the_ci_workflow_runs_the_readme_test_command_verbatim() -> None:
    # .ci/run runs it too: tests/e2e/test_readme.py checks both set-up commands there.
    line = readme_command_2()
    workflow = (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert f"run: {line}" in workflow


def test_ci_runs_the_mutation_tools() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "tools/mutation_check.py" in script and "bash tools/mutation.sh" in script


@dataclass(frozen=True)
class _Item:
    nodeid: str


def test_a_domain_mutant_runs_only_unit_tests_fastest_first() -> None:
    items = [
        _Item("tests/integration/test_deploy.py::a"),
        _Item("tests/unit/test_rules.py::slow"),
        _Item("tests/unit/test_plan.py::quick"),
        _Item("tests/unit/test_plan.py::unknown"),
    ]
    times = {"tests/unit/test_rules.py::slow": 2.0, "tests/unit/test_plan.py::quick": 0.1}
    kept, left = mutant_runs.for_mutant("alia_action.commands.rules.x_check__mutmut_3", items, times)
    assert [i.nodeid for i in kept] == [
        "tests/unit/test_plan.py::unknown",
        "tests/unit/test_plan.py::quick",
        "tests/unit/test_rules.py::slow",
    ]
    assert left == [items[0]]


def test_a_step_mutant_runs_every_test_that_reaches_it_fastest_first() -> None:
    items = [_Item("tests/unit/u::a"), _Item("tests/integration/i::b")]
    kept, left = mutant_runs.for_mutant("alia_action.steps.guards.x_limit__mutmut_1", items, {"tests/unit/u::a": 1.0})
    assert [i.nodeid for i in kept] == ["tests/integration/i::b", "tests/unit/u::a"] and left == []


def test_only_a_mutant_s_own_run_is_narrowed() -> None:
    for special in ("", "fail", "stats", "list_all_tests", "mutant_generation"):
        assert mutant_runs.mutant_under_test({"MUTANT_UNDER_TEST": special}) is None
    assert mutant_runs.mutant_under_test({}) is None
    name = "alia_action.commands.plan.x_build_plan__mutmut_7"
    assert mutant_runs.mutant_under_test({"MUTANT_UNDER_TEST": name}) == name


def test_the_stats_file_gives_each_test_s_time(tmp_path: Path) -> None:
    assert mutant_runs.test_times(tmp_path) == {}
    (tmp_path / mutant_runs.STATS).write_text('{"duration_by_test": {"tests/unit/a.py::t": 0.25}}')
    assert mutant_runs.test_times(tmp_path) == {"tests/unit/a.py::t": 0.25}
    (tmp_path / mutant_runs.STATS).write_text("not json")
    assert mutant_runs.test_times(tmp_path) == {}


def test_every_test_id_mutmut_may_give_back_to_pytest_is_plain_ascii() -> None:
    """mutmut runs each mutant's tests by their ids on pytest's command line; pytest escapes a non-ASCII id
    (``\\u0928``), and the escaped id is then not found, which stops the whole mutation run."""
    import subprocess
    import sys

    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-n", "0", "tests/unit",
         "tests/integration"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    ids = [line for line in listed.splitlines() if "::" in line]
    assert len(ids) > 3000
    assert [i for i in ids if "\\u" in i or "\\U" in i or not i.isascii()] == []


def score_main() -> Any:
    spec = importlib.util.spec_from_file_location("mutation_score", ROOT / "tools" / "mutation_score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def meta(folder: Path, codes: dict[str, int | None]) -> None:
    (folder / "alia_action" / "steps").mkdir(parents=True, exist_ok=True)
    path = folder / "alia_action" / "steps" / "guards.py.meta"
    path.write_text(json.dumps({"exit_code_by_key": codes}), encoding="utf-8")


def test_the_score_passes_at_the_threshold_and_fails_below_it(tmp_path: Path) -> None:
    main = score_main()
    name = "alia_action.steps.guards.x_deletion_limit__mutmut_"
    meta(tmp_path, {**{f"{name}{i}": 1 for i in range(9)}, f"{name}9": 0, f"{name}10": 37})  # 9 of 10, 1 mypy
    assert main(["--mutants", str(tmp_path), "--threshold", "90"]) == 0
    assert main(["--mutants", str(tmp_path), "--threshold", "90.1"]) == 1


def test_a_run_that_judged_no_mutant_never_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main = score_main()
    assert main(["--mutants", str(tmp_path)]) == 2  # no results at all
    meta(tmp_path, {"alia_action.steps.guards.x_deletion_limit__mutmut_1": None})  # generated, never run
    assert main(["--mutants", str(tmp_path)]) == 2
    assert "no mutant was judged" in capsys.readouterr().err
