"""The composition root: one secrets registry every channel reads, one answer to "is AWS configured" and "is
GitHub usable", and one renderer of outputs, for success and failure alike."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from alia_action.commands.plan import build_plan
from alia_action.config import Settings
from alia_action.errors import DeployError
from alia_action.outcome import Facts, attach, failure_outcome, step_outputs
from alia_action.runtime import Runtime
from alia_action.scope import Scope
from alia_action.workflow import Workflow

LATE = "learnt-mid-run-0123456789"  # as a Parameter Store token or STS key arrives: after the channels exist


def test_a_secret_learnt_late_reaches_every_channel_built_early(tmp_path: Path) -> None:
    out = io.StringIO()
    workflow = Workflow({"GITHUB_ACTIONS": "true"}, out)
    runtime = Runtime(workspace=tmp_path, in_actions=True, secrets=workflow.secrets)
    redact = runtime.redact  # what a store or notifier was handed at construction
    runtime.mask(LATE)
    assert f"::add-mask::{LATE}" in out.getvalue()  # the runner masks it in the log
    assert redact(f"token {LATE}") == "token ***"
    assert workflow.redact(f'{{"t": "{LATE}"}}') == '{"t": "***"}'


def test_aws_is_configured_by_a_role_keys_a_profile_or_a_web_identity_file(tmp_path: Path) -> None:
    settings = Settings()
    assert not Runtime(workspace=tmp_path).aws_configured(settings)
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        assert Runtime(workspace=tmp_path, environ={variable: "x"}).aws_configured(settings)
    role = Settings(role_to_assume="arn:aws:iam::123456789012:role/deploy")
    assert Runtime(workspace=tmp_path).aws_configured(role)


def test_github_is_usable_only_in_a_workflow_run_with_a_token(tmp_path: Path) -> None:
    environ = {"GITHUB_REPOSITORY": "alia-bot/alia-bot"}
    token = Settings(github_token="ghs_0123456789abcdef0123456789abcdef0123")
    assert Runtime(workspace=tmp_path, environ=environ, in_actions=True).github_run(token) is not None
    assert Runtime(workspace=tmp_path, environ=environ, in_actions=False).github_run(token) is None
    assert Runtime(workspace=tmp_path, environ=environ, in_actions=True).github_run(Settings()) is None
    assert Runtime(workspace=tmp_path, environ={}, in_actions=True).github_run(token) is None


def test_one_scope_one_way_to_name_it() -> None:
    assert (Scope("42").label, Scope("42").name, Scope("42").key) == (
        "staging guild 42",
        "guild 42",
        "42",
    )
    assert (Scope().label, Scope().name, Scope().key) == (
        "global commands",
        "global",
        "global",
    )
    assert (Scope("42").environment, Scope().environment) == ("staging", "production")


def test_one_scope_for_targets_and_backups() -> None:
    """The handlers' target and the backup store's scope are one value: the store's folder (S3 key prefix
    or local sub-folder) and the messages about a scope's backups come from it."""
    target = Scope("42", "7")
    assert (target.segment, target.described) == ("7/42/", "guild 42 of application 7")
    assert (Scope(None, "7").segment, Scope(None, "7").described) == ("7/global/", "global commands of application 7")
    assert Scope("42").of_application("7") == target
    with pytest.raises(ValueError, match="names no application"):
        Scope("42").segment  # noqa: B018 (the property is what is tested)


def test_outputs_say_only_what_is_known() -> None:
    plan = build_plan([{"name": "ping", "description": "Ping", "type": 1}], [])
    known = step_outputs(Facts("stage", "c" * 64, plan=plan, backup_file="b.json", requests=3), "report.json")
    assert known["changed"] == "true" and known["added"] == '["ping"]' and known["backup-file"] == "b.json"
    assert known["requests"] == "3" and known["report"] == "report.json"
    unplanned = step_outputs(Facts("stage", "c" * 64), "report.json")
    assert unplanned == {"checksum": "c" * 64, "changed": "false", "report": "report.json"}
    assert step_outputs(Facts("health", health="healthy"), "r.json") == {"health": "healthy"}


def test_a_failure_renders_what_it_knew_and_nothing_when_it_knew_nothing() -> None:
    plan = build_plan([{"name": "ping", "description": "Ping", "type": 1}], [])
    error = attach(DeployError("stage failed: Discord refused"), Facts("stage", "c" * 64, plan=plan, backup_file=""))
    outcome = failure_outcome(error, "report.json")
    assert outcome is not None and outcome.exit_code == 1
    assert outcome.outputs["added"] == '["ping"]' and outcome.outputs["backup-file"] == ""
    assert "stage failed" in outcome.summary and "Discord refused" in outcome.summary
    assert failure_outcome(DeployError("no facts"), "report.json") is None
