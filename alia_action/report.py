"""The deployment report: one JSON document that the CLI prints, the action writes and outputs name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .commands.loader import SourceCommand
from .commands.plan import Plan, change_notes, field_label, show_value
from .commands.problems import Problem, sort_problems

REPORT_FORMAT = 1


def build_report(
    *,
    action: str,
    checksum: str,
    commands: Sequence[SourceCommand],
    plan: Plan,
    problems: Sequence[Problem],
    baseline: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    ordered = sort_problems(problems)
    errors = sum(p.is_error for p in ordered)
    names = plan.names()
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "action": action,
        "checksum": checksum,
        "baseline": baseline,
        "commands": [
            {
                "name": c.name,
                "type": c.type,
                "file": c.file,
                "developmentOnly": c.development_only,
                **({"guilds": list(c.guilds)} if c.guilds else {}),  # a per-guild command: its production guilds
            }
            for c in commands
        ],
        "changes": {
            "added": names["added"],
            "modified": names["modified"],
            "removed": names["removed"],
            "unchanged": names["unchanged"],
            "kept": [c.name for c in plan.kept],
            "details": [
                c.to_dict() | {"change": "kept" if c.kept else c.kind}
                for c in plan.changes
                if c.kind != "unchanged" or c.kept
            ],
        },
        "creates": plan.creates,
        # Live values the files leave out that every route keeps (kept.py), where a reader would expect a reset.
        "kept_fields": plan.kept_fields(),
        "problems": [p.to_dict() for p in ordered],
        "errors": errors,
        "warnings": len(ordered) - errors,
        "valid": errors == 0,
        "deployment_required": not plan.empty,
    }
    if extra:
        report.update(extra)
    return report


_MARKS = {"added": "+", "modified": "~", "removed": "-", "kept": "="}


def report_lines(report: dict[str, Any], *, field_limit: int = 5) -> list[str]:
    """The report as a terminal table: verdict, changes with their fields, problems."""
    changes = report["changes"]
    lines = [
        f"{counted(report)} · checksum {report['checksum'][:16]} · baseline: {report['baseline']}",
        f"{len(changes['added'])} added, {len(changes['modified'])} modified, {len(changes['removed'])} removed, "
        f"{len(changes['unchanged'])} unchanged · {report['creates']} create(s)",
    ]
    lines += problem_lines(report["problems"])  # before the (possibly long) list of changes: what stops a deploy first
    for change in changes["details"]:
        label = change["name"] + (f" (renamed from {change['renamed_from']})" if change.get("renamed_from") else "")
        lines.append(f"  {_MARKS[change['change']]} {label}")
        lines += [f"      {note}" for note in change_notes(change)]
        fields = change.get("fields", [])
        for item in fields[:field_limit]:
            lines.append(f"      {field_label(change['name'], item)}")
        if len(fields) > field_limit:
            lines.append(f"      … {len(fields) - field_limit} more field(s)")
    for kept in report.get("kept_fields") or []:
        lines.append(f"note: {kept['note']}")
    for guard in report.get("guards") or []:
        lines.append(f"{'STOP' if guard['blocks'] else 'note'}: {guard['message']}")
    if report["errors"]:
        verdict = f"INVALID: {report['errors']} error(s), {report['warnings']} warning(s); nothing may be deployed"
    elif report.get("written"):  # a deploy's plan, carried out: say what happened, not what is still "required"
        verdict = f"deployed: the changes above are live ({report['warnings']} warning(s))"
    elif report.get("dry_run"):
        verdict = f"dry run: deployment required, nothing was written ({report['warnings']} warning(s))"
    elif report["deployment_required"] and any(g["blocks"] for g in report.get("guards") or []):
        verdict = f"deployment required, but a guard will stop it (see STOP above; {report['warnings']} warning(s))"
    elif report["deployment_required"]:
        verdict = f"deployment required ({report['warnings']} warning(s))"
    else:
        verdict = f"in sync: nothing to deploy ({report['warnings']} warning(s))"
    lines.append(verdict)
    return lines


FOLD_SHOWN = 3  # places a folded warning names before "and N more"


def problem_lines(problems: list[dict[str, Any]]) -> list[str]:
    """Errors first, one line each; then warnings, those with the same rule and message (the same advice for
    many commands) folded into one line with their count and the first few places."""
    lines = [_problem_line(p) for p in problems if p["severity"] == "error"]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for problem in problems:
        if problem["severity"] != "error":
            groups.setdefault((problem["rule"], problem["message"]), []).append(problem)
    for (rule, message), same in groups.items():
        if len(same) == 1:
            lines.append(_problem_line(same[0]))
            continue
        places = ", ".join(_place(p) for p in same[:FOLD_SHOWN])
        more = f" and {len(same) - FOLD_SHOWN} more" if len(same) > FOLD_SHOWN else ""
        lines.append(f"{same[0]['severity']} ×{len(same)}: {message} [{rule}] at {places}{more}")
    return lines


def _problem_line(problem: dict[str, Any]) -> str:
    where = f" {problem['file']}:{problem['line'] or 1}:" if problem["file"] else ""
    at = f" {problem['path']}:" if problem["path"] else ""
    return f"{problem['severity']}:{where}{at} {problem['message']} [{problem['rule']}]"


def _place(problem: dict[str, Any]) -> str:
    where = f"{problem['file']}:{problem['line'] or 1}" if problem["file"] else ""
    return " ".join(part for part in (where, problem["path"] and f"({problem['path']})") if part) or "?"


def counted(report: dict[str, Any]) -> str:
    """ "51 commands, 1 staging-only": why a global plan holds fewer commands than the files."""
    staging_only = sum(bool(c["developmentOnly"]) for c in report["commands"])
    only = f", {staging_only} staging-only (developmentOnly)" if staging_only else ""
    per_guild = sum(bool(c.get("guilds")) for c in report["commands"])
    only += f", {per_guild} per-guild (guilds)" if per_guild else ""
    return f"{len(report['commands'])} commands{only}"


def _value(item: dict[str, Any], side: str) -> str:
    return show_value(item[side]) if side in item else "(unset)"
