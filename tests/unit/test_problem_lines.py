"""The terminal's problem lines: errors first, the same warning for many commands folded into one line."""

from __future__ import annotations

from typing import Any

from alia_action.report import FOLD_SHOWN, problem_lines


def problem(severity: str, rule: str, message: str, line: int, path: str) -> dict[str, Any]:
    return {
        "severity": severity,
        "file": "commands/all.json",
        "line": line,
        "path": path,
        "rule": rule,
        "message": message,
    }


def warnings(count: int, rule: str = "defaults.contexts") -> list[dict[str, Any]]:
    return [problem("warning", rule, "contexts is not set", 2 + 4 * i, f"c{i}") for i in range(count)]


def test_the_error_comes_first_however_many_warnings_precede_it() -> None:
    error = problem("error", "scope.count", "101 commands; at most 100", 403, "c100.name")
    lines = problem_lines([*warnings(101), error])
    assert lines[0] == "error: commands/all.json:403: c100.name: 101 commands; at most 100 [scope.count]"
    assert len(lines) == 2


def test_warnings_fold_at_two_and_name_the_first_places() -> None:
    assert problem_lines(warnings(1)) == ["warning: commands/all.json:2: c0: contexts is not set [defaults.contexts]"]
    two = problem_lines(warnings(2))
    assert two == [
        "warning ×2: contexts is not set [defaults.contexts] at commands/all.json:2 (c0), commands/all.json:6 (c1)"
    ]
    shown = problem_lines(warnings(FOLD_SHOWN))[0]
    assert shown.count("commands/all.json:") == FOLD_SHOWN and "more" not in shown
    assert problem_lines(warnings(FOLD_SHOWN + 1))[0].endswith(" and 1 more")


def test_different_rules_or_messages_stay_apart_in_first_seen_order() -> None:
    mixed = [*warnings(2, "defaults.integration_types"), *warnings(2)]
    mixed.append(problem("warning", "defaults.contexts", "another message", 9, "x"))
    lines = problem_lines(mixed)
    assert [line.split(":", 1)[0] for line in lines] == ["warning ×2", "warning ×2", "warning"]
    assert "[defaults.integration_types]" in lines[0] and "[defaults.contexts]" in lines[1]


def test_the_markdown_table_lists_the_error_before_the_warnings_it_cuts() -> None:
    from alia_action.markdown import problems_table

    error = problem("error", "scope.count", "101 commands; at most 100", 403, "c100.name")
    table = problems_table([*warnings(60), error], limit=50)
    rows = [line for line in table.splitlines() if line.startswith("| ❌") or line.startswith("| ⚠️")]
    assert rows[0].startswith("| ❌ error") and "scope.count" in rows[0]
    assert len(rows) == 50 and table.endswith("…and 11 more (see the report file).")
