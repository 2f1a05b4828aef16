"""Shared by several test modules (moved out of test_secret_hygiene.py, so no test reads another's globals)."""

from __future__ import annotations

SUMMARY: list[str] = []  # printed at the end of the session (conftest.pytest_terminal_summary)
