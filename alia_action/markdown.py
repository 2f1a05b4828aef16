"""Markdown for job summaries and PR comments. Every untrusted string goes through ``escape``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .commands.plan import change_notes, field_label, type_name

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")
_ICONS = {"added": "🟢 added", "modified": "🟡 modified", "removed": "🔴 removed", "kept": "⚪ kept"}


def escape(text: object) -> str:
    """Inert in Markdown and HTML: no links, mentions, tables broken or tags opened by a command name."""
    flat = " ".join(str(text).split())  # line breaks would end a table row
    # html.escape(flat, quote=False), without importing html (html.entities costs every start-up ~1 ms)
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", flat).replace("@", "@\u200b")


# In a quoted Mermaid string: a quote or bracket would end the array early, a backtick or line break the fenced
# block itself (what follows would be read as Markdown: headings, raw HTML), angle brackets open labels' HTML.
_MERMAID_UNSAFE = str.maketrans({'"': "'", "[": "(", "]": ")", "`": "ˋ", "<": "‹", ">": "›", "#": "＃", ";": ","})


def mermaid_label(text: object) -> str:
    """A Mermaid string (a title, an axis label) that stays one inert string whatever ``text`` holds."""
    return '"' + " ".join(str(text).split()).translate(_MERMAID_UNSAFE) + '"'


def code(text: object) -> str:
    """Inline code that survives backticks inside the text."""
    flat = " ".join(str(text).split()).replace("`", "ˋ")
    return f"`{flat}`" if flat else "` `"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def details(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def _counts(report: Mapping[str, Any]) -> str:
    changes = report["changes"]
    return (
        f"**{len(changes['added'])}** added · **{len(changes['modified'])}** modified · "
        f"**{len(changes['removed'])}** removed · {len(changes['unchanged'])} unchanged"
    )


def problems_table(problems: Sequence[Mapping[str, Any]], limit: int = 50) -> str:
    """Errors first (in file order), then warnings: the rows past ``limit`` are never the ones that stop a deploy."""
    problems = sorted(problems, key=lambda p: p["severity"] != "error")
    rows = [
        [
            "❌ error" if p["severity"] == "error" else "⚠️ warning",
            code(f"{p['file'] or ''}:{p['line'] or ''}"),
            code(p["path"]) if p["path"] else "",
            escape(p["message"]),
            code(p["rule"]),
        ]
        for p in problems[:limit]
    ]
    out = table(["", "Where", "Path", "Problem", "Rule"], rows)
    if len(problems) > limit:
        out += f"\n\n…and {len(problems) - limit} more (see the report file)."
    return out


def changes_table(report: Mapping[str, Any], field_limit: int = 3) -> str:
    rows = []
    for change in report["changes"]["details"]:
        fields = change.get("fields", [])
        shown = [code(field_label(change["name"], f)) for f in fields[:field_limit]]
        if len(fields) > field_limit:
            shown.append(f"+{len(fields) - field_limit} more")
        warn = "" if change["change"] == "kept" else "⚠️ "  # every other note is a cost: destructive or lost
        notes = [warn + escape(note) for note in change_notes(change)]
        if change.get("renamed_from"):
            notes.insert(0, f"renamed from {code(change['renamed_from'])} (keeps its ID and mentions)")
        rows.append(
            [
                _ICONS[change["change"]],
                code(change["name"]),
                type_name(change["type"]),
                "<br>".join([*notes, *shown]),
            ]
        )
    return table(["Change", "Command", "Type", "Fields"], rows)


def full_diff(report: Mapping[str, Any]) -> str:
    lines: list[str] = []
    for change in report["changes"]["details"]:
        sign = {"added": "+", "removed": "-", "modified": "~", "kept": " "}[change["change"]]
        lines.append(f"{sign} {change['name']}")
        lines += [f"    {note}" for note in change_notes(change)]
        lines += [f"    {field_label(change['name'], f)}" for f in change.get("fields", [])]
    text = "\n".join(lines).replace("```", "ˋˋˋ")
    return f"```diff\n{text}\n```"


def guards_callout(guards: Sequence[Mapping[str, Any]]) -> str:
    """The guards' verdicts on the plan, as GitHub alerts: a stop is a caution, a near miss a note."""
    blocking = [g for g in guards if g["blocks"]]
    kind, icon = ("CAUTION", "⛔") if blocking else ("NOTE", "ℹ️")
    lines = [f"> [!{kind}]"]
    lines += [f"> {'⛔' if g['blocks'] else icon} {escape_text_with_code(_sentence(g['message']))}" for g in guards]
    return "\n".join(lines)


def permissions_callout(names: Sequence[str]) -> str:
    """Deleting or renaming a command deletes its permissions for good (AC:1401): said before the table."""
    return (
        f"> [!WARNING]\n> Per-guild permission overrides set by server admins on {', '.join(code(n) for n in names)} "
        "will be lost for good: Discord deletes them when a command is deleted or renamed, and a bot token cannot "
        "write them back, so a rollback restores the commands but not their overrides."
    )


def escape_text_with_code(text: str) -> str:
    """A message that names settings in backticks (see wording.py): the names as code, the rest escaped."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: no code span at all
        return escape(text)
    return "".join(code(part) if index % 2 else _spaced(part) for index, part in enumerate(parts))


def _spaced(text: str) -> str:
    """``escape`` keeping one space at either end (the words around a code span stay apart)."""
    lead, trail = " " if text[:1].isspace() else "", " " if text[-1:].isspace() else ""
    return lead + escape(text) + trail if text.strip() else (" " if text else "")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def plan_markdown(report: Mapping[str, Any], *, title: str, baseline_note: str = "") -> str:
    """The plan as a reader of a job summary or a PR comment wants it: verdict first, details folded."""
    parts = [f"## {title}"]
    errors, warnings = report["errors"], report["warnings"]
    if errors:
        verdict = f"❌ **{errors} error(s)** block deployment"
    elif report.get("written"):  # a deploy that carried its plan out
        verdict = "✅ **Deployed**: the changes below are live"
    elif report.get("dry_run"):
        verdict = "🧪 **Dry run**: deployment required, nothing was written"
    elif report["deployment_required"] and any(g["blocks"] for g in report.get("guards") or []):
        verdict = "⛔ **Deployment required, but a guard will stop it** (see below)"
    elif report["deployment_required"]:
        verdict = "🚀 **Deployment required**"
    else:
        verdict = "✅ **In sync**: nothing to deploy"
    parts.append(f"{verdict} · {_counts(report)} · {warnings} warning(s)")
    guards = report.get("guards") or []
    if guards:
        parts.append(guards_callout(guards))
    kept = report.get("kept_fields") or []
    if kept:  # fields the files leave out whose live value stays (omitted = keep)
        parts.append("\n".join(["> [!NOTE]", *(f"> {escape(k['note'])}" for k in kept)]))
    if baseline_note:
        parts.append(baseline_note)
    lost = [c["name"] for c in report["changes"]["details"] if c.get("permissions_lost")]
    if lost:
        parts.append(permissions_callout(lost))
    if report["changes"]["details"]:
        parts.append(changes_table(report))
    if report["problems"]:
        parts.append("### Problems\n\n" + problems_table(report["problems"]))
    parts.append(
        f"Checksum {code(report['checksum'][:16])} · {len(report['commands'])} commands · "
        f"{report['creates']} create(s) from the 200-a-day budget"
    )
    if report["changes"]["details"]:
        parts.append(details("Full diff", full_diff(report)))
    return "\n\n".join(parts) + "\n"
