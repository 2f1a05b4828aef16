"""``deploy`` with dry-run: passes when a real deploy would, says the breaker was met by a simulation, writes
nothing anywhere (Discord, backups, the deployment record), and a later real promote is not fooled by it."""

from __future__ import annotations

import pytest

from alia_action.discord.emulator import Emulator
from alia_action.handlers import deploy, promote, stage
from alia_action.handlers.promote import CircuitOpen
from alia_action.runtime import Runtime
from tests.conftest import SettingsFactory


def writes(live: Emulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in live.requests if r.method != "GET"]


def written_files(ctx: Runtime) -> list[str]:
    """What a run left in the workspace besides the command files and the report it prints."""
    return sorted(
        str(p.relative_to(ctx.workspace))
        for p in ctx.workspace.rglob("*")
        if p.is_file()
        and p.parts[len(ctx.workspace.parts)] != "commands"
        and p.name != "command-deployment-report.json"
    )


def test_a_dry_run_deploy_passes_on_a_simulated_stage_and_writes_nothing(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    outcome = deploy.run(make_settings(action="deploy", dry_run=True), ctx)
    assert outcome.exit_code == 0
    text = "\n".join(outcome.lines)
    assert "would deploy staging guild" in text and "would deploy global commands" in text
    assert "satisfied for this dry run only by the simulated stage" in text
    assert outcome.outputs["changed"] == "true" and outcome.outputs["backup-file"] == ""
    assert writes(live) == [] and written_files(ctx) == []

    # The simulation satisfied that run only: a real promote still needs a real stage.
    with pytest.raises(CircuitOpen, match="no successful staging deploy"):
        promote.run(make_settings(action="promote"), ctx)


def test_a_dry_run_deploy_over_a_staged_set_records_nothing(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    stage.run(make_settings(action="stage"), ctx)
    ledger = (ctx.workspace / "deployment.log").read_text()
    mark = len(writes(live))
    outcome = deploy.run(make_settings(action="deploy", dry_run=True), ctx)
    assert outcome.exit_code == 0 and "satisfied for this dry run only" in "\n".join(outcome.lines)
    assert writes(live)[mark:] == [] and (ctx.workspace / "deployment.log").read_text() == ledger


def test_a_dry_run_deploy_still_stops_at_the_deletion_guard(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    deploy.run(make_settings(action="deploy"), ctx)
    (ctx.workspace / "commands" / "fun" / "quote.json").unlink()  # one global removal: consent needed
    outcome = deploy.run(make_settings(action="deploy", dry_run=True), ctx)  # within staging's 5, over production's 0
    assert outcome.exit_code == 1
    message = outcome.lines[-1]
    assert message.startswith("promote would fail after the simulated stage: the plan would remove")
    assert "more than max-deletions=0" in message
