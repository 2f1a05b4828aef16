"""action.yml and the settings model describe the same inputs with the same defaults.

Defaults live in two places a user reads (action.yml for the action, the model for the CLI and the code);
this test keeps them one fact: every input is a field, every field an input (but the CLI's own), and each
default in action.yml parses to the model's default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from alia_action.config import Settings, input_name, settings_fields

ROOT = Path(__file__).resolve().parents[2]
INPUTS: dict[str, dict[str, Any]] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["inputs"]
FIELDS = {input_name(spec.name): spec.name for spec in settings_fields()}
DEFAULTS = {spec.name: spec.default for spec in settings_fields()}
# Settings only the CLI has: a terminal chooses its output format and runs the monitor loop.
CLI_ONLY = {"format", "interval"}
# Inputs without a default in action.yml whose value the model computes, and why.
COMPUTED = {
    "environment": "staging for stage, production otherwise (the action's description says so)",
    "aws-region": "AWS_REGION or AWS_DEFAULT_REGION from the runner, else us-east-1",
}
# Defaults that are workflow expressions the runner fills in; the model reads the same value from the runner.
EXPRESSIONS = {"github-token": "${{ github.token }}"}


def test_every_input_is_a_field_and_every_field_an_input() -> None:
    assert set(INPUTS) == set(FIELDS) - CLI_ONLY


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_the_default_in_action_yml_is_the_models(name: str) -> None:
    field = FIELDS[name]
    model_default = DEFAULTS[field]
    given = INPUTS[name].get("default")
    if name in EXPRESSIONS:
        assert given == EXPRESSIONS[name]
        return
    if given is None:
        if name in COMPUTED:
            return
        assert model_default in (None, (), ""), f"{name}: action.yml has no default, the model has {model_default!r}"
        return
    parsed = Settings.from_action_env({f"INPUT_{name.upper()}": str(given)})
    assert getattr(parsed, field) == getattr(Settings(), field), f"{name}: {given!r} is not the model's default"
    assert INPUTS[name].get("required") is False
