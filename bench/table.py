"""Markdown output shared by the bench scripts: tables and the machine line."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Sequence


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table; numbers right-aligned, text left-aligned."""
    numeric = [all(_is_number(row[i]) for row in rows) and bool(rows) for i in range(len(header))]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---:" if numeric[i] else "---" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def _is_number(value: object) -> bool:
    text = str(value).replace(",", "").replace("%", "").replace("×", "").strip()
    try:
        float(text)
    except ValueError:
        return False
    return True


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def machine() -> str:
    """One line naming the machine, so pasted numbers say where they come from."""
    return (
        f"{platform.platform()} · {os.cpu_count()} CPU(s) · {platform.processor() or platform.machine()} · "
        f"Python {platform.python_version()} ({sys.implementation.name}) · "
        f"load average {os.getloadavg()[0]:.2f} at the start (other work on the box skews the times)"
    )
