"""What a handler hands back: the exit code and everything to show, for the action or the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..commands.problems import Problem

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
