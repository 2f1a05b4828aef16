"""The inventory's report, job summary table and terminal lines: one line per finding a person can act on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..commands.fleet import Findings
from ..markdown import code, escape, table
from ..report import REPORT_FORMAT
from .fleet_clean import restore_line

SHOWN = 50  # findings per kind listed in the job summary (the report file holds them all)


@dataclass(frozen=True, slots=True)
class WalkFacts:
    application_id: str
    staging_guild: str | None
    total: int  # guilds the bot is in
    read: int  # guilds read by this run
    reused: int  # guilds taken from the checkpoint, read within the freshness window
    global_commands: int
    requests: int
    invalid_answers: int  # this run's 401/403/429 (Discord counts them towards its ban)
    invalid_peak: int  # the most in any 10 minutes of this run
    checkpoint: str
    complete: bool


def inventory_report(
    checksum: str,
    problems: list[dict[str, Any]],
    facts: WalkFacts,
    found: Findings,
    cleaned: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """``cleaned``: each cleaned guild's result (``clean``), or None when nothing was to be cleaned."""
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "action": "inventory",
        "checksum": checksum,
        "problems": problems,
        "valid": True,
        "inventory": {
            "application_id": facts.application_id,
            "staging_guild": facts.staging_guild,
            "complete": facts.complete,
            "guilds": {
                "total": facts.total,
                "read": facts.read,
                "reused": facts.reused,
                "clean": found.clean,
            },
            "global_commands": facts.global_commands,
            "requests": facts.requests,
            "invalid_answers": facts.invalid_answers,
            "invalid_answers_peak_10min": facts.invalid_peak,
            "checkpoint": facts.checkpoint,
            "findings": found.count,
            "stale": found.stale,
            "duplicates": found.duplicates,
            "no_scope": found.no_scope,
            "differs": found.differs,
            "failed": found.failed,
        },
    }
    if cleaned is not None:
        report["inventory"]["cleaned"] = cleaned
    return report


def _reinvite(application_id: str, guild: str) -> str:
    return (
        f"https://discord.com/oauth2/authorize?client_id={application_id}&scope=bot+applications.commands"
        f"&guild_id={guild}"
    )


def finding_lines(report: dict[str, Any]) -> list[str]:
    """One line per finding, saying what to do about it."""
    inv = report["inventory"]
    app = inv["application_id"]
    lines: list[str] = []
    for item in inv["stale"]:
        lines.append(
            f"stale: guild {item['guild']} holds {', '.join(item['names'])}, which the command files do not put "
            "there: delete them in that guild (or add them to the files)"
        )
    for item in inv["duplicates"]:
        why = " (the staging guild: every command is staged there)" if item["staging"] else ""
        lines.append(
            f"duplicate: guild {item['guild']} holds {', '.join(item['names'])} also as global command(s): its "
            f"members see them twice{why}; delete the guild copies"
        )
    for guild in inv["no_scope"]:
        lines.append(
            f"no scope: guild {guild} cannot be read (403 50001, no applications.commands scope): re-invite "
            f"with {_reinvite(app, guild)}"
        )
    for item in inv["differs"]:
        parts = [f"{k} {_some(item[k])}" for k in ("added", "modified", "removed") if item[k]]
        lines.append(f"differs: guild {item['guild']} is not what the files put there ({'; '.join(parts)}): deploy it")
    for item in inv["failed"]:
        lines.append(f"failed: guild {item['guild']} could not be read: {item['error']}")
    for item in inv.get("cleaned") or []:
        if item["outcome"] == "cleaned":
            lines.append(
                f"cleaned: guild {item['guild']}: deleted {', '.join(item['removed'])} (verified); to undo: "
                f"{restore_line(item['guild'], item['backup'])}"
            )
        elif item["outcome"] == "failed":
            lines.append(f"clean failed: guild {item['guild']}: {item['error']}")
    return lines


def _some(names: list[str], shown: int = 8) -> str:
    """A line stays readable: the first names, and how many more (the report lists them all)."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def headline(report: dict[str, Any]) -> str:
    inv = report["inventory"]
    g = inv["guilds"]
    state = "" if inv["complete"] else " (walk not finished: re-run to continue from the checkpoint)"
    return (
        f"inventory of {g['total']:,} guild(s): {g['read']:,} read, {g['reused']:,} from the checkpoint, "
        f"{g['clean']:,} clean · {len(inv['stale'])} stale, {len(inv['duplicates'])} duplicate, "
        f"{len(inv['no_scope'])} without the scope, {len(inv['differs'])} differing, {len(inv['failed'])} failed · "
        f"{inv['requests']:,} requests, {inv['invalid_answers']} invalid answer(s){state}"
    )


def summary_markdown(report: dict[str, Any]) -> str:
    inv = report["inventory"]
    g = inv["guilds"]
    rows = [
        ["Guilds", f"{g['total']:,}", "the bot is in"],
        ["Read now", f"{g['read']:,}", f"{g['reused']:,} more from the checkpoint"],
        ["Clean", f"{g['clean']:,}", "hold exactly what the files put there"],
        ["Stale", str(len(inv["stale"])), "guild commands the files do not put there"],
        ["Duplicate", str(len(inv["duplicates"])), "names also global: members see them twice"],
        ["No scope", str(len(inv["no_scope"])), "403 50001: re-invite with applications.commands"],
        ["Differs", str(len(inv["differs"])), "not what the files put there"],
        ["Failed", str(len(inv["failed"])), "could not be read"],
        ["Requests", f"{inv['requests']:,}", f"{inv['invalid_answers']} invalid (401/403/429)"],
    ]
    if inv.get("cleaned") is not None:
        done = sum(c["outcome"] == "cleaned" for c in inv["cleaned"])
        rows.append(["Cleaned", str(done), "stale commands deleted, each guild backed up first and verified"])
    parts = ["## Discord commands: inventory", table(["", "Guilds", "Meaning"], rows)]
    lines = finding_lines(report)
    if lines:
        shown = "\n".join(f"- {escape(line)}" for line in lines[:SHOWN])
        more = f"\n\n… and {len(lines) - SHOWN} more in {code('the report file')}" if len(lines) > SHOWN else ""
        parts.append(f"### Findings\n\n{shown}{more}")
    if not inv["complete"]:
        parts.append("**The walk did not finish:** a re-run continues from the checkpoint.")
    return "\n\n".join(parts) + "\n"
