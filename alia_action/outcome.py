"""What an action hands back, and the one function that renders it: step outputs, report, summary, lines.

A handler (or a failure on its way) states its :class:`Facts`; :func:`render` turns them into an
:class:`Outcome` the same way for every action, so an output means the same wherever it is set, and a run
that fails still sets the outputs it knows (checksum, plan names, the backup once one exists, requests).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .commands.loader import SourceCommand
from .commands.plan import Plan
from .commands.problems import Problem
from .errors import DeployError
from .markdown import plan_markdown
from .report import build_report, report_lines

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@dataclass(slots=True)
class Outcome:
    action: str
    exit_code: int = EXIT_OK
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""  # Markdown for the job summary
    problems: list[Problem] = field(default_factory=list)  # become annotations in Actions
    lines: list[str] = field(default_factory=list)  # human-readable result for the terminal
    report: dict[str, Any] | None = None


@dataclass(slots=True)
class Facts:
    """What an action knows about its work, at its end or where it failed."""

    action: str
    checksum: str | None = None  # of the local command set (None: not loaded)
    commands: Sequence[SourceCommand] = ()
    problems: list[Problem] = field(default_factory=list)
    plan: Plan | None = None  # None: no plan was made (validation failed, or the run failed before)
    baseline: str = ""  # what the plan compared with
    backup_file: str | None = None  # None: the action takes no backup; "": none was taken (yet)
    requests: int | None = None  # requests sent to Discord, when the action contacts it
    health: str | None = None  # healthy | degraded | unhealthy, when measured
    outputs: dict[str, str] = field(default_factory=dict)  # outputs of one action only (restored-backup)
    details: dict[str, Any] = field(default_factory=dict)  # report fields of one action only
    # On failure: each scope the run touched and what it holds now ("global commands" → "unchanged: ...").
    states: dict[str, str] = field(default_factory=dict)
    wrote: list[str] = field(default_factory=list)  # on failure: what the run wrote (backups, Discord writes)


def names_json(names: list[str]) -> str:
    return json.dumps(names, ensure_ascii=False)


def step_outputs(facts: Facts, report_file: str) -> dict[str, str]:
    """The step outputs: only what is known, never a guess."""
    out: dict[str, str] = {}
    if facts.plan is not None:
        names = facts.plan.names()
        out["changed"] = "true" if not facts.plan.empty else "false"
        out["checksum"] = facts.checksum or ""
        out.update({kind: names_json(names[kind]) for kind in ("added", "modified", "removed")})
        out["creates"] = str(facts.plan.creates)
        out["report"] = report_file
    elif facts.checksum is not None:
        out.update({"checksum": facts.checksum, "changed": "false", "report": report_file})
    if facts.backup_file is not None:
        out["backup-file"] = facts.backup_file
    if facts.requests is not None:
        out["requests"] = str(facts.requests)
    if facts.health is not None:
        out["health"] = facts.health
    out.update(facts.outputs)
    return out


def build(facts: Facts) -> dict[str, Any]:
    """The report document of ``facts`` (see report.py and docs for its fields)."""
    return build_report(
        action=facts.action,
        checksum=facts.checksum or "",
        commands=facts.commands,
        plan=facts.plan if facts.plan is not None else Plan([]),
        problems=facts.problems,
        baseline=facts.baseline,
        extra=facts.details or None,
    )


def render(
    facts: Facts,
    *,
    report_file: str = "",
    title: str = "",
    note: str = "",
    lead: Sequence[str] = (),
    trail: Sequence[str] = (),
    exit_code: int = EXIT_OK,
    report: dict[str, Any] | None = None,
    summary: str | None = None,
    verdict: bool = True,
) -> Outcome:
    """``facts`` as outputs, report, summary and terminal lines. ``report``/``summary``: an action whose
    results are no plan (health) brings its own; every output still comes from ``facts``. ``report_file``: the
    ``report`` output of a plan's facts; ``title``: the heading of the summary drawn from the plan. ``verdict=False``:
    the plan's lines end before its verdict (a deploy says what it did in ``trail``, after its backup)."""
    if report is None:
        report = build(facts)
        plan = report_lines(report)
        lines = [*lead, *(plan if verdict else plan[:-1]), *trail]
        summary = plan_markdown(report, title=title, baseline_note=note) if summary is None else summary
    else:
        lines = [*lead, *trail]
    return Outcome(
        action=facts.action,
        exit_code=exit_code,
        outputs=step_outputs(facts, report_file),
        summary=summary or "",
        problems=list(facts.problems),
        lines=lines,
        report=report,
    )


def attach(exc: DeployError, facts: Facts) -> DeployError:
    """Let a failure carry what was known when it happened, so the runner still renders outputs and a summary."""
    exc.partial = facts
    return exc


def partial_of(exc: DeployError) -> Facts | None:
    return exc.partial if isinstance(exc.partial, Facts) else None


def failure_outcome(exc: DeployError, report_file: str) -> Outcome | None:
    """The outputs and summary of a run that failed with what it knew, or None when it knew nothing."""
    facts = partial_of(exc)
    if facts is None:
        return None
    from .markdown import escape

    title = f"Discord commands: {facts.action} failed"
    # Without a plan there is no plan to show (an empty one would read "in sync"): the failure says it all.
    no_plan = None if facts.plan is not None else ""
    outcome = render(
        facts, report_file=report_file, title=title, note=escape(str(exc)), exit_code=exc.exit_code, summary=no_plan
    )
    outcome.summary = "\n".join(p for p in (failure_markdown(facts.action, str(exc), facts), outcome.summary) if p)
    if outcome.report is not None and facts.states:
        outcome.report["states"] = dict(facts.states)
    return outcome


def failure_markdown(action: str, error: str, facts: Facts) -> str:
    """The top of a failed run's summary: what failed, what was written, what each touched scope holds now
    (so an ``if: failure()`` step, or a person, knows where things stand without reading the log)."""
    from .markdown import escape, table

    parts = [f"## ❌ {escape(action)} failed", f"**What failed:** {escape(error)}"]
    wrote = facts.wrote or (
        [f"backup {facts.backup_file} (nothing written to Discord after it)"] if facts.backup_file else []
    )
    parts.append("**What was written:** " + (escape("; ".join(wrote)) if wrote else "nothing"))
    if facts.states:
        parts.append("**State now:**")
        parts.append(table(["Scope", "Holds now"], [[escape(k), escape(v)] for k, v in facts.states.items()]))
    return "\n\n".join(parts) + "\n"
