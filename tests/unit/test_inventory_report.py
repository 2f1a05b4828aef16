"""The inventory's report, terminal lines, headline and job summary (``steps/inventory_report.py``), from findings
and walk facts written out here: every line's words, every count, the summary's limits."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from alia_action.commands.fleet import Findings
from alia_action.steps.inventory_report import WalkFacts, finding_lines, headline, inventory_report, summary_markdown

APP = "1180000000000000001"
FACTS = WalkFacts(
    application_id=APP,
    staging_guild="500",
    total=12_345,
    read=2_345,
    reused=10_000,
    global_commands=3,
    requests=4_321,
    invalid_answers=2,
    invalid_peak=1,
    checkpoint=".command-deploy-inventory.jsonl",
    complete=True,
)


def findings() -> Findings:
    return Findings(
        stale=[{"guild": "101", "names": ["old", "older"]}],
        duplicates=[
            {"guild": "102", "names": ["ping"], "staging": False},
            {"guild": "500", "names": ["ping", "stats"], "staging": True},
        ],
        no_scope=["103"],
        differs=[{"guild": "500", "added": ["a"], "modified": [], "removed": ["b", "c"]}],
        failed=[{"guild": "104", "error": "404 Unknown Guild (10004)"}],
        guilds=6,
        clean=1_234,
    )


CLEANED: list[dict[str, Any]] = [
    {"guild": "101", "outcome": "cleaned", "removed": ["old", "older"], "backup": "backup-101.json"},
    {"guild": "105", "outcome": "failed", "removed": [], "backup": None, "error": "403 Missing Permissions"},
    {"guild": "106", "outcome": "dry_run", "removed": ["x"], "backup": None},
    {"guild": "107", "outcome": "nothing_to_do", "removed": [], "backup": None},
    {"guild": "108", "outcome": "cleaned", "removed": ["y"], "backup": "backup-108.json"},
]


def report(cleaned: list[dict[str, Any]] | None = None, **facts: Any) -> dict[str, Any]:
    return inventory_report("abc123", [], replace(FACTS, **facts), findings(), cleaned)


def test_the_report_holds_the_walk_facts_and_every_finding() -> None:
    problems = [{"severity": "warning", "rule": "unknown-key"}]
    assert inventory_report("abc123", problems, FACTS, findings()) == {
        "format": 1,
        "action": "inventory",
        "checksum": "abc123",
        "problems": problems,
        "valid": True,
        "inventory": {
            "application_id": APP,
            "staging_guild": "500",
            "complete": True,
            "guilds": {"total": 12_345, "read": 2_345, "reused": 10_000, "clean": 1_234},
            "global_commands": 3,
            "requests": 4_321,
            "invalid_answers": 2,
            "invalid_answers_peak_10min": 1,
            "checkpoint": ".command-deploy-inventory.jsonl",
            "findings": 6,
            "stale": [{"guild": "101", "names": ["old", "older"]}],
            "duplicates": [
                {"guild": "102", "names": ["ping"], "staging": False},
                {"guild": "500", "names": ["ping", "stats"], "staging": True},
            ],
            "no_scope": ["103"],
            "differs": [{"guild": "500", "added": ["a"], "modified": [], "removed": ["b", "c"]}],
            "failed": [{"guild": "104", "error": "404 Unknown Guild (10004)"}],
        },
    }


@pytest.mark.parametrize("cleaned", [[], CLEANED], ids=["none", "five"])
def test_the_report_holds_the_clean_results_when_there_was_a_clean(cleaned: list[dict[str, Any]]) -> None:
    assert report(cleaned)["inventory"]["cleaned"] == cleaned
    assert "cleaned" not in report()["inventory"]


FINDING_LINES = [
    "stale: guild 101 holds old, older, which the command files do not put there: delete them in that guild (or "
    "add them to the files)",
    "duplicate: guild 102 holds ping also as global command(s): its members see them twice; delete the guild copies",
    "duplicate: guild 500 holds ping, stats also as global command(s): its members see them twice (the staging "
    "guild: every command is staged there); delete the guild copies",
    "no scope: guild 103 cannot be read (403 50001, no applications.commands scope): re-invite with "
    f"https://discord.com/oauth2/authorize?client_id={APP}&scope=bot+applications.commands&guild_id=103",
    "differs: guild 500 is not what the files put there (added a; removed b, c): deploy it",
    "failed: guild 104 could not be read: 404 Unknown Guild (10004)",
]


def test_a_line_per_finding_says_what_to_do() -> None:
    assert finding_lines(report()) == FINDING_LINES


def test_a_line_per_cleaned_or_failed_guild_and_none_for_the_others() -> None:
    assert finding_lines(report(CLEANED)) == [
        *FINDING_LINES,
        "cleaned: guild 101: deleted old, older (verified); to undo: command-deploy rollback --environment staging "
        "--guild-id 101 --backup-file backup-101.json",
        "clean failed: guild 105: 403 Missing Permissions",
        "cleaned: guild 108: deleted y (verified); to undo: command-deploy rollback --environment staging "
        "--guild-id 108 --backup-file backup-108.json",
    ]


def test_no_findings_no_lines() -> None:
    empty = inventory_report("abc123", [], FACTS, Findings(guilds=3, clean=3), [])
    assert finding_lines(empty) == []


@pytest.mark.parametrize(
    ("names", "shown"),
    [
        (8, "n0, n1, n2, n3, n4, n5, n6, n7"),
        (9, "n0, n1, n2, n3, n4, n5, n6, n7 and 1 more"),
        (12, "n0, n1, n2, n3, n4, n5, n6, n7 and 4 more"),
    ],
)
def test_a_difference_names_its_first_eight_and_counts_the_rest(names: int, shown: str) -> None:
    listed = [f"n{i}" for i in range(names)]
    found = Findings(differs=[{"guild": "9", "added": [], "modified": listed, "removed": []}], guilds=1)
    lines = finding_lines(inventory_report("abc123", [], FACTS, found))
    assert lines == [f"differs: guild 9 is not what the files put there (modified {shown}): deploy it"]


HEADLINE = (
    "inventory of 12,345 guild(s): 2,345 read, 10,000 from the checkpoint, 1,234 clean · 1 stale, 2 duplicate, "
    "1 without the scope, 1 differing, 1 failed · 4,321 requests, 2 invalid answer(s)"
)


def test_the_headline_counts_everything() -> None:
    assert headline(report()) == HEADLINE


def test_the_headline_of_an_unfinished_walk_says_how_to_continue() -> None:
    assert headline(report(complete=False)) == (
        HEADLINE + " (walk not finished: re-run to continue from the checkpoint)"
    )


TABLE = """|  | Guilds | Meaning |
|---|---|---|
| Guilds | 12,345 | the bot is in |
| Read now | 2,345 | 10,000 more from the checkpoint |
| Clean | 1,234 | hold exactly what the files put there |
| Stale | 1 | guild commands the files do not put there |
| Duplicate | 2 | names also global: members see them twice |
| No scope | 1 | 403 50001: re-invite with applications.commands |
| Differs | 1 | not what the files put there |
| Failed | 1 | could not be read |
| Requests | 4,321 | 2 invalid (401/403/429) |"""


def test_the_summary_is_a_table_and_the_findings() -> None:
    assert summary_markdown(report()) == (
        "## Discord commands: inventory\n\n"
        f"{TABLE}\n\n"
        "### Findings\n\n"
        "- stale: guild 101 holds old, older, which the command files do not put there: delete them in that guild "
        "\\(or add them to the files\\)\n"
        "- duplicate: guild 102 holds ping also as global command\\(s\\): its members see them twice; delete the "
        "guild copies\n"
        "- duplicate: guild 500 holds ping, stats also as global command\\(s\\): its members see them twice \\(the "
        "staging guild: every command is staged there\\); delete the guild copies\n"
        "- no scope: guild 103 cannot be read \\(403 50001, no applications.commands scope\\): re\\-invite with "
        f"https://discord.com/oauth2/authorize?client\\_id={APP}&amp;scope=bot\\+applications.commands&amp;"
        "guild\\_id=103\n"
        "- differs: guild 500 is not what the files put there \\(added a; removed b, c\\): deploy it\n"
        "- failed: guild 104 could not be read: 404 Unknown Guild \\(10004\\)\n"
    )


def test_the_summary_of_a_clean_fleet_has_no_findings_section() -> None:
    clean = inventory_report("abc123", [], replace(FACTS, total=5, read=5, reused=0, requests=7), Findings(clean=5))
    assert summary_markdown(clean) == (
        "## Discord commands: inventory\n\n"
        "|  | Guilds | Meaning |\n"
        "|---|---|---|\n"
        "| Guilds | 5 | the bot is in |\n"
        "| Read now | 5 | 0 more from the checkpoint |\n"
        "| Clean | 5 | hold exactly what the files put there |\n"
        "| Stale | 0 | guild commands the files do not put there |\n"
        "| Duplicate | 0 | names also global: members see them twice |\n"
        "| No scope | 0 | 403 50001: re-invite with applications.commands |\n"
        "| Differs | 0 | not what the files put there |\n"
        "| Failed | 0 | could not be read |\n"
        "| Requests | 7 | 2 invalid (401/403/429) |\n"
    )


@pytest.mark.parametrize(("cleaned", "done"), [([], "0"), (CLEANED, "2")])
def test_the_summary_counts_the_cleaned_guilds_when_there_was_a_clean(cleaned: list[dict[str, Any]], done: str) -> None:
    row = (
        f"| Requests | 4,321 | 2 invalid (401/403/429) |\n"
        f"| Cleaned | {done} | stale commands deleted, each guild backed up first and verified |\n\n### Findings"
    )
    assert row in summary_markdown(report(cleaned))
    assert "| Cleaned |" not in summary_markdown(report())


def test_the_summary_of_an_unfinished_walk_ends_saying_so() -> None:
    text = summary_markdown(report(complete=False))
    assert text.endswith(
        "- failed: guild 104 could not be read: 404 Unknown Guild \\(10004\\)\n\n"
        "**The walk did not finish:** a re-run continues from the checkpoint.\n"
    )
    assert "did not finish" not in summary_markdown(report())


@pytest.mark.parametrize(("guilds", "more"), [(50, ""), (51, "\n\n… and 1 more in `the report file`")])
def test_the_summary_lists_fifty_findings_and_counts_the_rest(guilds: int, more: str) -> None:
    found = Findings(no_scope=[str(1000 + i) for i in range(guilds)], guilds=guilds)
    text = summary_markdown(inventory_report("abc123", [], FACTS, found))
    listed = [line for line in text.split("\n") if line.startswith("- no scope: guild ")]
    assert len(listed) == 50 and listed[-1].startswith("- no scope: guild 1049 cannot be read")
    assert text.endswith(f"guild\\_id=1049{more}\n")
