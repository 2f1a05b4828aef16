"""The README tells the truth: its set-up commands are what CI runs, its tables are action.yml's."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def setup_commands() -> list[str]:
    block = README.split("## Set up", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def table(heading: str) -> list[list[str]]:
    section = README.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]


def test_the_two_set_up_commands_are_what_ci_runs() -> None:
    commands = setup_commands()
    assert len(commands) == 2
    assert "command-deploy deploy" in commands[0] and "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in commands:
        assert command in ci, f"CI does not run the README's command: {command}"


def test_the_inputs_table_is_action_yml() -> None:
    rows = table("Inputs")
    assert [r[0].strip("`") for r in rows] == list(ACTION["inputs"])
    for name, default, description in rows:
        spec = ACTION["inputs"][name.strip("`")]
        assert default == (f"`{spec['default']}`" if spec.get("default") not in (None, "") else "")
        assert description == spec["description"]


def test_the_outputs_table_is_action_yml() -> None:
    rows = table("Outputs")
    assert [r[0].strip("`") for r in rows] == list(ACTION["outputs"])
    for name, description in rows:
        assert description == ACTION["outputs"][name.strip("`")]["description"]


def test_every_action_input_is_described_and_branded() -> None:
    assert ACTION["runs"]["using"] == "docker"
    assert {"icon", "color"} <= set(ACTION["branding"])
    for name, spec in ACTION["inputs"].items():
        assert re.fullmatch(r"[a-z][a-z0-9-]*", name), name
        assert spec.get("description"), name
        assert spec.get("required", False) is False, f"{name}: inputs are optional; the action says what is missing"
