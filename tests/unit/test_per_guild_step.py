"""How promote reports its per-guild command sets (steps/per_guild.py), from values alone: each guild's line and
report entry, the summary table, and what one failed guild does to the run's exit code, report, requests and
verdict, or to a failed global write's facts. The deploys themselves: tests/integration/test_per_guild_promote.py."""

from __future__ import annotations

from alia_action.errors import DeployError
from alia_action.markdown import escape
from alia_action.outcome import Facts, Outcome, attach, partial_of
from alia_action.steps.per_guild import GuildResult, attach_guilds, failure_text, guild_markdown, with_guilds

DEPLOYED = GuildResult("401", "deployed", 3, 2, "b-401.json", "verified", (("added", ("admin",)), ("modified", ()),
                                                                          ("removed", ("old", "x"))))  # fmt: skip
FAILED = GuildResult("402", "failed", 1, 2, None, "promote to guild 402 failed: 50001 Missing Access.")
IN_SYNC = GuildResult("403", "in sync", 1, 1)
FAILURE = (
    "1 of 3 guild(s) failed (402); the others are done. Fix the cause and run promote again: it writes only where "
    "a guild still differs"
)


def test_each_guild_has_one_line_and_one_report_entry_saying_what_it_ended_as() -> None:
    assert [r.line() for r in (DEPLOYED, FAILED, IN_SYNC)] == [
        "guild 401: deployed (added admin; removed old, x): 2 command(s), 3 request(s), backup b-401.json",
        "guild 402: failed: promote to guild 402 failed: 50001 Missing Access.",
        "guild 403: in sync: 1 command(s), 1 request(s)",
    ]
    assert DEPLOYED.json() == {
        "guild_id": "401",
        "outcome": "deployed",
        "commands": 2,
        "requests": 3,
        "backup": "b-401.json",
        "message": "verified",
        "added": ["admin"],
        "modified": [],
        "removed": ["old", "x"],
    }
    assert FAILED.json() == {
        "guild_id": "402",
        "outcome": "failed",
        "commands": 2,
        "requests": 1,
        "backup": None,
        "message": "promote to guild 402 failed: 50001 Missing Access.",
    }
    assert [r.failed for r in (DEPLOYED, FAILED, IN_SYNC)] == [False, True, False]


def test_the_summary_table_counts_the_guilds_done_and_marks_the_failed_one() -> None:
    assert guild_markdown([DEPLOYED, FAILED, IN_SYNC]) == (
        "### Per-guild command sets: 2 of 3 guild(s) done, 1 failed\n\n"
        "| Guild | Outcome | Commands | Requests | Backup | Detail |\n"
        "|---|---|---|---|---|---|\n"
        "| 401 | deployed | 2 | 3 | b\\-401.json | verified |\n"
        "| 402 | ❌ failed | 2 | 1 | \\- | promote to guild 402 failed: 50001 Missing Access. |\n"
        "| 403 | in sync | 1 | 1 | \\- | \\- |\n"
    )
    assert guild_markdown([IN_SYNC]).startswith("### Per-guild command sets: 1 of 1 guild(s) done\n\n|")
    assert failure_text([DEPLOYED, FAILED, IN_SYNC]) == FAILURE
    assert failure_text([DEPLOYED, IN_SYNC]) is None


def promoted() -> Outcome:
    return Outcome("promote", outputs={"requests": "3"}, summary="## ✅ promote\n", lines=["deployed"],
                   report={"requests": 3})  # fmt: skip


def test_the_guilds_join_the_runs_lines_summary_report_and_requests() -> None:
    done = with_guilds(promoted(), [DEPLOYED, IN_SYNC])
    assert done.exit_code == 0
    assert done.outputs == {"requests": "7"}
    assert done.lines == ["deployed", "", DEPLOYED.line(), IN_SYNC.line()]
    assert done.summary == "## ✅ promote\n\n" + guild_markdown([DEPLOYED, IN_SYNC])
    assert done.report == {"requests": 7, "guilds": [DEPLOYED.json(), IN_SYNC.json()]}
    alone = promoted()
    assert with_guilds(alone, []) is alone and alone.lines == ["deployed"] and alone.report == {"requests": 3}


def test_one_failed_guild_fails_the_run_and_its_verdict_comes_first() -> None:
    done = with_guilds(promoted(), [DEPLOYED, FAILED, IN_SYNC])
    assert done.exit_code == 1
    assert done.outputs == {"requests": "8"}
    assert done.lines[-1] == FAILURE
    table = guild_markdown([DEPLOYED, FAILED, IN_SYNC])
    assert done.summary == f"## ❌ promote: {escape(FAILURE)}\n\n## ✅ promote\n\n{table}"
    assert done.report is not None and done.report["failure"] == FAILURE and done.report["requests"] == 8
    without_report = with_guilds(Outcome("promote", outputs={}), [FAILED])
    assert without_report.exit_code == 1 and without_report.report is None and without_report.outputs["requests"] == "1"


def test_a_failed_global_write_carries_what_each_guild_holds() -> None:
    facts = Facts("promote", requests=4, details={"requests": 4}, states={"global commands": "unchanged"})
    error = attach_guilds(attach(DeployError("promote to global commands failed"), facts), [DEPLOYED, FAILED])
    carried = partial_of(error)
    assert carried is facts
    assert facts.requests == 8 and facts.details["requests"] == 8
    assert facts.details["guilds"] == [DEPLOYED.json(), FAILED.json()]
    assert facts.states == {
        "global commands": "unchanged",
        "guild 401": "deployed: verified",
        "guild 402": "failed: promote to guild 402 failed: 50001 Missing Access.",
    }
    quiet = Facts("promote", requests=None)
    attach_guilds(attach(DeployError("x"), quiet), [IN_SYNC])
    assert quiet.requests == 1 and "requests" not in quiet.details and quiet.states == {"guild 403": "in sync"}
    untouched = Facts("promote", requests=4)
    attach_guilds(attach(DeployError("x"), untouched), [])
    assert untouched.requests == 4 and untouched.details == {} and untouched.states == {}
