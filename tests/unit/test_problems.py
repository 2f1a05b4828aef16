"""A problem as people and programs read it: its path, its place, its one-line form, its report entry, its order."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from alia_action.commands.problems import Problem, format_path, has_errors, sort_problems


@pytest.mark.parametrize(
    ("root", "path", "shown"),
    [
        ("config", ("options", 2, "name"), "config.options[2].name"),
        ("config", (), "config"),
        ("config", (0,), "config[0]"),
        ("", ("options", 0, "choices", 1), "options[0].choices[1]"),  # no root: no leading dot
        ("", (3, "name"), "[3].name"),
        ("", (), ""),
    ],
)
def test_a_path_is_written_as_in_javascript(root: str, path: Sequence[str | int], shown: str) -> None:
    assert format_path(root, path) == shown


@pytest.mark.parametrize(
    ("problem", "line"),
    [
        (
            Problem("error", "length.name", "name is 33 characters; at most 32", "cmds/x.json", 3, "ping.name"),
            "cmds/x.json:3: ping.name: name is 33 characters; at most 32 [length.name]",
        ),
        (
            Problem("warning", "file.bom", "file starts with a UTF-8 byte order mark", "cmds/x.json", 1),
            "cmds/x.json:1: file starts with a UTF-8 byte order mark [file.bom]",
        ),
        (Problem("error", "file.empty", "file is empty", "a.json"), "a.json: file is empty [file.empty]"),
        (Problem("error", "file.empty", "file is empty", "a.json", 0), "a.json: file is empty [file.empty]"),
        (Problem("error", "scope.count", "101 commands", path="c1"), "<commands>: c1: 101 commands [scope.count]"),
        (Problem("error", "scope.count", "101 commands", None, 7), "<commands>:7: 101 commands [scope.count]"),
    ],
)  # fmt: skip
def test_a_problem_in_one_line_names_file_line_path_and_rule(problem: Problem, line: str) -> None:
    """The form a rollback's refusal lists the backup's errors in: file (or <commands>), line when known, path."""
    assert str(problem) == line
    assert problem.location() == line.split(": ", 1)[0]


def test_a_problem_in_the_report_has_every_field() -> None:
    problem = Problem("warning", "defaults.contexts", "contexts is not set", "cmds/x.json", 4, "ping")
    assert problem.to_dict() == {
        "severity": "warning",
        "file": "cmds/x.json",
        "line": 4,
        "path": "ping",
        "rule": "defaults.contexts",
        "message": "contexts is not set",
    }
    assert Problem("error", "file.empty", "file is empty").to_dict() == {
        "severity": "error",
        "file": None,
        "line": None,
        "path": "",
        "rule": "file.empty",
        "message": "file is empty",
    }


def test_only_an_error_blocks() -> None:
    warning = Problem("warning", "file.bom", "a byte order mark")
    error = Problem("error", "file.empty", "file is empty")
    assert (warning.is_error, error.is_error) == (False, True)
    assert (has_errors([]), has_errors([warning]), has_errors([warning, error]), has_errors([error])) == (
        False,
        False,
        True,
        True,
    )


def test_problems_sort_errors_first_then_by_file_line_path_and_rule() -> None:
    def error(file: str | None, line: int | None, path: str, rule: str = "r") -> Problem:
        return Problem("error", rule, "m", file, line, path)

    ordered = [
        error(None, None, "a"),  # no file: before every file
        error("B.json", None, "z"),  # no line: before line 1, whatever its path
        error("B.json", 1, "a"),
        error("B.json", 2, "a"),
        error("B.json", 10, "a"),  # lines as numbers, not text
        error("B.json", 10, "b", rule="a"),
        error("B.json", 10, "b", rule="b"),
        Problem("warning", "r", "m", None, None, "a"),  # a warning after every error
        Problem("warning", "r", "m", "A.json", 1, "a"),
    ]
    assert sort_problems(list(reversed(ordered))) == ordered
    assert sort_problems(ordered[3:] + ordered[:3]) == ordered
