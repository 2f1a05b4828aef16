"""What the shared write steps (steps/apply.py) say, from values alone: the message of a scope another run
holds, the takeover of a claim, and the outcome of a deploy that succeeded, did nothing, or was a dry run, and
of one that failed (what it wrote, what its scope holds now). The writes themselves are tested against the
emulator in tests/integration/test_deploy.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alia_action.commands.loader import SourceCommand
from alia_action.commands.plan import Write, build_plan
from alia_action.commands.problems import Problem
from alia_action.config import Settings
from alia_action.discord.client import DiscordClient
from alia_action.outcome import Outcome
from alia_action.runtime import Runtime
from alia_action.scope import Scope
from alia_action.steps.apply import (
    Applied,
    blocked_message,
    deploy_outcome,
    failure_facts,
    send_write,
    take_over,
)
from alia_action.steps.validation import Validated
from alia_action.stores.ledger import Conflict, LedgerEntry
from alia_action.wording import ACTION, TERMINAL, Wording

GUILD = "1180000000000000201"
STAGING = Scope.of(GUILD)
T = datetime(2026, 3, 2, 9, 30, 5, tzinfo=UTC)


def claim(run_url: str | None = None) -> LedgerEntry:
    return LedgerEntry(
        time=T,
        action="stage",
        environment="staging",
        application_id="9",
        guild_id=GUILD,
        checksum="c",
        outcome="started",
        run="a1b2",
        run_url=run_url,
    )


# ------------------------------------------------------------------------------------ a scope another run holds


def test_a_write_that_landed_after_the_plan_says_the_plan_is_stale() -> None:
    conflict = Conflict("the promote of 2026-03-02 09:30:05 UTC wrote to it after this run read it")
    assert blocked_message("stage", STAGING, conflict, 1800, TERMINAL) == (
        f"stage to staging guild {GUILD} stopped before writing: the promote of 2026-03-02 09:30:05 UTC wrote to it "
        "after this run read it. This run's plan is stale; run it again (a `concurrency:` group in the workflow "
        "serialises deploys)"
    )
    # A claim without a known expiry is spoken of the same way: there is nothing to wait for.
    undated = Conflict("reason", claim(), None)
    stale = ". This run's plan is stale; run it again (a `concurrency:` group in the workflow serialises deploys)"
    assert blocked_message("stage", STAGING, undated, 1800, TERMINAL) == (
        f"stage to staging guild {GUILD} stopped before writing: reason{stale}"
    )


@pytest.mark.parametrize(
    ("wording", "run_url", "holder", "override"),
    [
        (TERMINAL, None, "stage (run id a1b2)", "`--override-claim`"),
        (ACTION, "https://github.com/o/r/actions/runs/7", "stage (https://github.com/o/r/actions/runs/7)",
         "`override-claim: true`"),
    ],
)  # fmt: skip
def test_an_open_claim_names_its_holder_its_expiry_and_both_ways_on(
    wording: Wording, run_url: str | None, holder: str, override: str
) -> None:
    conflict = Conflict("another run is writing to it", claim(run_url), T + timedelta(minutes=30))
    assert blocked_message("promote", Scope.of(None), conflict, 1800, wording) == (
        "promote to global commands stopped before writing: another run is writing to it; the claim is held by "
        f"{holder} and expires at 2026-03-02 10:00:05 UTC (claim-expiry: 30m). If that run is still going, run "
        "this again once it is done (a `concurrency:` group in the workflow serialises deploys); if it is gone, "
        f"take over its claim with {override}, which the deployment record keeps"
    )


def test_taking_over_a_claim_says_whose_and_since_when_and_returns_its_run(tmp_path: object) -> None:
    logged: list[str] = []
    ctx = Runtime(workspace=tmp_path, log=logged.append)  # type: ignore[arg-type]
    conflict = Conflict("another run is writing to it", claim(), T + timedelta(minutes=30))
    run, message = take_over(ctx, "promote", Scope.of(None), conflict, conflict.claim)  # type: ignore[arg-type]
    expected = (
        "took over the unfinished claim of stage (run id a1b2), started 2026-03-02 09:30:05 UTC: override-claim is "
        "set; if that run is still writing, it fails instead of reporting success"
    )
    assert (run, message) == ("a1b2", expected)
    assert logged == [f"warning: promote to global commands {expected}"]


# ------------------------------------------------------------------------------------------ a deploy's outcome


def command(name: str) -> SourceCommand:
    return SourceCommand({"name": name, "description": name.title()}, "commands/c.json", 0, {})


LIVE = [
    {"id": "1", "type": 1, "name": "keep", "description": "Keep"},
    {"id": "2", "type": 1, "name": "edit", "description": "Old"},
    {"id": "3", "type": 1, "name": "gone", "description": "Gone"},
]
LOCAL = [command("keep"), command("edit"), command("new")]


def applied(**values: object) -> Applied:
    plan = build_plan([c.data for c in LOCAL], LIVE, guild=True)
    return Applied(STAGING, plan, planned=True, **values)  # type: ignore[arg-type]


WARNING = Problem("warning", "defaults.contexts", "contexts is not set", "commands/c.json", 1)


def outcome_of(done: Applied, before: tuple[str, ...] = ()) -> Outcome:
    commands = Validated(LOCAL, [WARNING], "abc123")
    settings = Settings.from_cli({"commands": "c", "report_file": "out.json"}, {}, None)
    result = deploy_outcome("stage", settings, commands, done, before=before)
    assert result.exit_code == 0 and result.report is not None and result.problems == [WARNING]
    return result


def test_a_written_deploy_says_what_it_backed_up_then_what_it_wrote_and_keeps_its_own_notes() -> None:
    done = applied(backup="b-1.json", requests=4, written=True, notes=["the write's answer was lost", "no write"])
    result = outcome_of(done, before=("circuit breaker passed",))
    backup = f"backup of staging guild {GUILD} (3 commands): b-1.json"  # what was live: kept, edited and removed
    done_line = f"deployed staging guild {GUILD}: 4 request(s) in all, verification included · 1 warning(s)"
    assert result.lines == [
        "circuit breaker passed",
        f"3 commands · checksum abc123 · baseline: live staging guild {GUILD}",
        "1 added, 1 modified, 1 removed, 1 unchanged · 1 create(s)",
        "warning: commands/c.json:1: contexts is not set [defaults.contexts]",
        "  ~ edit",
        '      edit: description "Old" → "Edit"',
        "  - gone",
        "      per-guild permission overrides set by server admins are lost for good (Discord deletes them when a "
        "command is deleted or renamed; a bot token cannot write them back, so a rollback cannot restore them)",
        "  + new",
        backup,
        done_line,
        "the write's answer was lost",
    ]  # the plan without its verdict: the deploy says what it did instead
    assert result.outputs == {
        "changed": "true",
        "checksum": "abc123",
        "added": '["new"]',
        "modified": '["edit"]',
        "removed": '["gone"]',
        "creates": "1",
        "report": "out.json",
        "backup-file": "b-1.json",
        "requests": "4",
    }
    assert result.summary.startswith(f"## Discord commands: stage → staging guild {GUILD}\n")
    assert f"\n\n{done_line} · {backup} · the write's answer was lost\n\n" in result.summary
    assert result.report is not None
    assert {k: result.report[k] for k in ("action", "checksum", "baseline", "environment", "scope", "backup",
                                          "requests", "written", "dry_run", "notes")} == {
        "action": "stage",
        "checksum": "abc123",
        "baseline": f"live staging guild {GUILD}",
        "environment": "staging",
        "scope": GUILD,
        "backup": "b-1.json",
        "requests": 4,
        "written": True,
        "dry_run": False,
        "notes": ["the write's answer was lost", "no write"],
    }  # fmt: skip
    assert [c["name"] for c in result.report["commands"]] == ["keep", "edit", "new"]


def test_a_dry_run_and_a_deploy_in_sync_say_so_without_a_backup_line() -> None:
    dry = outcome_of(applied(requests=1, dry_run=True, notes=["dry run: nothing was written"]))
    assert dry.lines[-1] == f"dry run: would deploy staging guild {GUILD}; nothing was written · 1 warning(s)"
    assert dry.report is not None
    assert (dry.report["dry_run"], dry.report["written"], dry.report["backup"]) == (True, False, None)
    assert dry.outputs["backup-file"] == "" and dry.outputs["requests"] == "1"
    in_sync = Applied(STAGING, build_plan([c.data for c in LOCAL[:1]], LIVE[:1], guild=True), requests=1, planned=True)
    assert outcome_of(in_sync).lines[-1] == (
        f"in sync: staging guild {GUILD} already hold(s) this set, nothing to deploy: 1 request(s) · 1 warning(s)"
    )


# ------------------------------------------------------------------------------------------ a failed write's facts


def test_a_failed_write_says_what_it_wrote_and_what_its_scope_holds() -> None:
    before_write = failure_facts("stage", "abc", applied(backup="b-1.json", requests=2))
    assert before_write.wrote == ["backup b-1.json"]
    assert before_write.states == {f"staging guild {GUILD}": "unchanged: what it held before this run (nothing "
                                                              "was written to it)"}  # fmt: skip
    assert (before_write.action, before_write.checksum) == ("stage", "abc")
    assert (before_write.backup_file, before_write.requests, before_write.plan is not None) == ("b-1.json", 2, True)
    sent = failure_facts("stage", "abc", applied(backup="b-1.json", written=True), "neither set")
    assert sent.wrote == ["backup b-1.json", f"the write to staging guild {GUILD} was sent"]
    assert sent.states == {f"staging guild {GUILD}": "neither set"}
    nothing = failure_facts("stage", "abc", Applied(STAGING, build_plan([], [], guild=True)))
    assert (nothing.wrote, nothing.backup_file, nothing.plan) == ([], "", None)  # no plan was made yet


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_a_patch_or_delete_without_a_command_id_is_refused_before_any_request(method: str) -> None:
    with DiscordClient("token", "9", "http://127.0.0.1:9/api/v10", max_attempts=1) as client:
        with pytest.raises(ValueError) as caught:
            send_write(client, GUILD, Write(method, {"name": "ping"}, None, "ping"))  # type: ignore[arg-type]
        assert str(caught.value) == f"{method} of ping without a command ID"
        assert client.request_count == 0
