"""The test tiers: README set-up command 2, .ci/run and the CI workflow run one and the same full-suite command."""

from __future__ import annotations

import re
from pathlib import Path

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
