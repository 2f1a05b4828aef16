"""Problems found in command definitions, and the paths that locate them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]
JsonPath = tuple[str | int, ...]


def format_path(root: str, path: Sequence[str | int]) -> str:
    """``("options", 2, "name")`` under command ``config`` → ``config.options[2].name``."""
    out = root
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: a rule broken (error) or a likely mistake (warning), where it is."""

    severity: Severity
    rule: str
    message: str
    file: str | None = None
    line: int | None = None
    path: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def location(self) -> str:
        where = self.file or "<commands>"
        if self.line:
            where += f":{self.line}"
        return where

    def __str__(self) -> str:
        at = f" {self.path}:" if self.path else ""
        return f"{self.location()}:{at} {self.message} [{self.rule}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "path": self.path,
            "rule": self.rule,
            "message": self.message,
        }


def has_errors(problems: Sequence[Problem]) -> bool:
    return any(p.is_error for p in problems)


def sort_problems(problems: Sequence[Problem]) -> list[Problem]:
    """Errors first, then by file and line, so the first lines of a report are the ones that block."""
    return sorted(problems, key=lambda p: (p.severity != "error", p.file or "", p.line or 0, p.path, p.rule))
