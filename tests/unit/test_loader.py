"""The JSON reader, the command-file loader and file discovery: every way a file can fail to load."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from alia_action.commands import jsonpos
from alia_action.commands.loader import FileResult, SourceCommand, json_kind, parse_command_file
from alia_action.commands.problems import Problem
from alia_action.sources import MAX_FILE_BYTES, load_commands


def test_reader_keeps_the_line_of_every_key_and_item() -> None:
    text = '[\n  {\n    "name": "ping",\n    "options": [\n      {"name": "a"},\n      {"name": "b"}\n    ]\n  }\n]'
    value, lines = jsonpos.parse(text)
    assert value[0]["options"][1]["name"] == "b"
    assert lines[(0, "name")] == 3
    assert lines[(0, "options")] == 4
    assert lines[(0, "options", 1)] == 6
    assert lines[(0, "options", 1, "name")] == 6


TRAILING = "JSON allows no ',' after the last item"
TRUNCATED = "the JSON is truncated"
MISSING = "is a ',' missing at the end of this line?"


@pytest.mark.parametrize(
    ("text", "reason", "line", "column"),
    [
        ('{"a": 1,\n "a": 2}', "duplicate key 'a' (first on line 1)", 2, 5),
        ('{\n  "a": 1,\n  "a": 2\n}', "duplicate key 'a' (first on line 2)", 3, 6),
        ('{"x": {"a": 1},\n "y": {"a": 1, "a": 3}}', "duplicate key 'a' (first on line 2)", 2, 19),  # y's own a
        ('{"a": [1, 2', f"unexpected end of file (expected ',' or ']' after an array item): {TRUNCATED}", 1, 12),
        ('{"a": 1', f"unexpected end of file (expected ',' or '}}' after a property): {TRUNCATED}", 1, 8),
        ("  ", f"unexpected end of file (expected a JSON value, found ''): {TRUNCATED}", 1, 3),
        ('{"a": 1}\n{"b": 2}', "unexpected data after the JSON value", 2, 1),
        ('\n\n  {"a": 1}\n  x', "unexpected data after the JSON value", 4, 3),
        ('{"a": NaN}', "expected a JSON value, found 'N'", 1, 7),
        ("[1, -Infinity]", "expected a JSON value, found '-'", 1, 5),
        ('{"a": tru}', "expected a JSON value, found 't'", 1, 7),
        ("{'a': 1}", "expected a property name in double quotes", 1, 2),
        ('{"a" 1}', "expected ':' after a property name", 1, 6),
        ('{"a": 1,}', f"trailing comma before '}}': {TRAILING}", 1, 8),
        ('{\n  "a": 1,\n  "b": 2,\n\n}', f"trailing comma before '}}': {TRAILING}", 3, 9),  # the comma's line
        ("[\n  1,\n  2,\n]", f"trailing comma before ']': {TRAILING}", 3, 4),
        ('{"a": [1,], "b": 2}', f"trailing comma before ']': {TRAILING}", 1, 9),  # not the comma after ']'
        ("[\n  [1,\n  ],\n  2\n]", f"trailing comma before ']': {TRAILING}", 2, 5),  # nor the next line's
        ('{\n  "a": 1\n  "b": 2\n}', f"expected ',' or '}}' after a property: {MISSING}", 2, 9),
        ("[\n  1\n  2\n]", f"expected ',' or ']' after an array item: {MISSING}", 2, 4),
        ('{"a": 1 "b": 2}', "expected ',' or '}' after a property", 1, 9),
        ("[1 2]", "expected ',' or ']' after an array item", 1, 4),
        ('{"a": "x\ny"}', "invalid control character at", 1, 9),
        ('{"a": "\\x"}', "invalid \\escape", 1, 8),
        ('"abc', "unterminated string starting at", 1, 1),
        ("[" * 100 + "]" * 100, "JSON nested deeper than 64 levels", 1, 66),
        ("[" * 65 + "]" * 65, "JSON nested deeper than 64 levels", 1, 66),  # one past the limit
        (
            "[1,\n " + "9" * 4301 + "]",
            "a whole number of 4301 digits (4300 at most; no command field holds one)",
            2,
            2,
        ),  # one digit past what Python reads into an int
        ('{"a": {"b": [' + "[" * 62 + "]" * 62 + "]}}", "JSON nested deeper than 64 levels", 1, 76),  # objects count
        ('{"a":' * 65 + "1" + "}" * 65, "JSON nested deeper than 64 levels", 1, 322),  # 65 objects: one past
        ('[{"a": 1,}\n]', f"trailing comma before '}}': {TRAILING}", 1, 9),  # more text after the '}'
        ("[\n  1\n", f"unexpected end of file (expected ',' or ']' after an array item): {TRUNCATED}", 3, 1),
    ],
)
@pytest.mark.parametrize("read", [lambda text: jsonpos.parse(text)[0], jsonpos.loads], ids=["parse", "loads"])
def test_reader_refuses_malformed_json(
    read: Callable[[str], object], text: str, reason: str, line: int, column: int
) -> None:
    """parse (with lines) and loads (the json module's C reader first) refuse the same texts, with the same reason,
    line and 1-based column (where reading stopped, counted from the start of that line)."""
    with pytest.raises(jsonpos.JsonError) as caught:
        read(text)
    assert (caught.value.reason, caught.value.line, caught.value.column) == (reason, line, column)
    assert str(caught.value) == f"{reason} (line {line}, column {column})"


@pytest.mark.parametrize(
    "text",
    [
        "[1,\n 2\n]",
        "[" * 64 + "]" * 64,
        "[-" + "9" * 4300 + "]",
        '{"a": {"b": [' + "[" * 61 + "]" * 61 + "]}}",
        "[]",
        "{}",
        ' \n {"a": []} \n',
        '{"a":' * 64 + "1" + "}" * 64,
        '{"a":1,"b":[2,34],"c":{"d":"e"}}',
    ],
    ids=[
        "no-trailing-comma",
        "64-arrays",
        "4300-digits",
        "64-mixed",
        "empty-array",
        "empty-object",
        "whitespace-around",
        "64-objects",
        "no-spaces",
    ],
)
@pytest.mark.parametrize("read", [lambda text: jsonpos.parse(text)[0], jsonpos.loads], ids=["parse", "loads"])
def test_reader_accepts_well_formed_json_up_to_the_depth_limit(read: Callable[[str], object], text: str) -> None:
    assert read(text) == json.loads(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[[[1]]]", "JSON nested deeper than 2 levels"),  # read by the json module, then too deep
        ('[[[1]], {"a": 1, "a": 2}]', "JSON nested deeper than 2 levels"),  # refused by it: the limit still holds
        ("[[1], NaN]", "expected a JSON value, found 'N'"),
    ],
)
def test_loads_keeps_the_depth_limit_it_is_given(text: str, reason: str) -> None:
    assert jsonpos.loads("[[1]]", max_depth=2) == [[1]]
    with pytest.raises(jsonpos.JsonError) as caught:
        jsonpos.loads(text, max_depth=2)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("value", "depth"),
    [("x", 0), (7, 0), ([], 1), ({}, 1), ([1, [2]], 2), ({"a": [{"b": []}], "c": 1}, 4), ([[[]], [[[]]]], 4)],
)
def test_depth_counts_the_deepest_chain_of_objects_and_arrays(value: object, depth: int) -> None:
    """loads' check after the json module's read: an overestimate would send a text back to parse for nothing."""
    assert jsonpos._depth(value) == depth


def test_reader_agrees_with_the_json_module_on_values() -> None:
    text = '{"s": "é\\u00e9\\n", "i": -12, "f": 1.5e3, "e": [2e3, 5E-1], "d": 0.25, "b": [true, false, null], "o": {}}'
    assert jsonpos.parse(text)[0] == json.loads(text)


def test_lines_are_read_when_asked_for_and_name_the_right_item() -> None:
    """The line table is read on the first look-up (most runs need none); each command's paths are its own."""
    text = (
        '[\n  {"name": "a",\n   "description": "x"},\n  7,\n  {"name": "b",\n   "options": [\n     {"name": "o"}]}\n]'
    )
    result = parse_command_file("two.json", text.encode())
    first, second = result.commands
    assert (first.line_at(()), first.line_at(("description",)), first.line_at(("nope", 3))) == (2, 3, 2)
    assert (second.index, second.line_at(()), second.line_at(("options", 0, "name"))) == (2, 5, 7)
    assert dict(second.lines) == {(): 5, ("name",): 5, ("options",): 6, ("options", 0): 7, ("options", 0, "name"): 7}
    assert [(p.rule, p.line) for p in result.problems] == [("file.shape", 4)]  # the number 7, on its own line


def test_one_object_and_an_array_are_both_command_files() -> None:
    single = parse_command_file("a.json", b'{"name": "ping", "description": "Pong"}')
    many = parse_command_file("b.json", b'[{"name": "a"},\n {"name": "b"}]')
    assert [c.name for c in single.commands] == ["ping"] and single.commands[0].index is None
    assert [c.name for c in many.commands] == ["a", "b"]
    assert many.commands[1].line_at(("name",)) == 2
    assert many.commands[1].line_at(("options", 3, "name")) == 2  # nearest enclosing value


SHAPE = "expected a command object or an array of them"
UTF8 = "save it as UTF-8"


@pytest.mark.parametrize(
    ("raw", "rule", "line", "message"),
    [
        (b"", "file.empty", 1, f"file is empty: {SHAPE}"),
        (b"  \n ", "file.empty", 1, f"file is empty: {SHAPE}"),
        (b'{"name": "\xff"}', "file.encoding", 1, f"file is not valid UTF-8 (byte 0xff at offset 10); {UTF8}"),
        (b'{\n"name": "a\n\xc3"}', "file.encoding", 3, f"file is not valid UTF-8 (byte 0xc3 at offset 13); {UTF8}"),
        (b'\n"\xff"', "file.encoding", 2, f"file is not valid UTF-8 (byte 0xff at offset 2); {UTF8}"),  # a first \n
        (b'[\n"\xff",\n1\n]', "file.encoding", 2, f"file is not valid UTF-8 (byte 0xff at offset 3); {UTF8}"),
        (b'\n\n{"name": ', "file.json", 3, "invalid JSON: unexpected end of file (expected a JSON value, found ''): "
         "the JSON is truncated"),
        # Python reads at most 4,300 digits into an int (sys.get_int_max_str_digits): one more is a problem, not a crash
        (b'{"name": "a",\n "max_value": -' + b"9" * 4301 + b"}", "file.json", 2,
         "invalid JSON: a whole number of 4301 digits (4300 at most; no command field holds one)"),
        (b'"ping"', "file.shape", 1, f"{SHAPE}, found a string"),
        (b"true", "file.shape", 1, f"{SHAPE}, found a boolean"),
        (b"12.5", "file.shape", 1, f"{SHAPE}, found a number"),
        (b"null", "file.shape", 1, f"{SHAPE}, found null"),
    ],
)  # fmt: skip
def test_a_broken_file_is_an_error_naming_file_and_line(raw: bytes, rule: str, line: int, message: str) -> None:
    """A file that cannot be read as commands gives no commands and one error: its rule, file, line and words."""
    expected = FileResult([], [Problem("error", rule, message, "cmds/x.json", line)])
    assert parse_command_file("cmds/x.json", raw) == expected


def test_an_array_item_that_is_not_an_object_is_an_error_on_its_own_line() -> None:
    result = parse_command_file("cmds/x.json", b'[[1], true, "x",\n {"name": "b"},\n 42,\n null]')
    assert [c.name for c in result.commands] == ["b"]
    assert {p.file for p in result.problems} == {"cmds/x.json"}
    assert [(p.severity, p.rule, p.line, p.message) for p in result.problems] == [
        ("error", "file.shape", 1, "array item 0 is an array, expected a command object"),
        ("error", "file.shape", 1, "array item 1 is a boolean, expected a command object"),
        ("error", "file.shape", 1, "array item 2 is a string, expected a command object"),
        ("error", "file.shape", 3, "array item 4 is a number, expected a command object"),
        ("error", "file.shape", 4, "array item 5 is null, expected a command object"),
    ]


@pytest.mark.parametrize(
    ("value", "kind"),
    [(None, "null"), (True, "a boolean"), (False, "a boolean"), (0, "a number"), (1.5, "a number"), ("", "a string"),
     ([], "an array"), ({}, "an object"), ({"a": [1]}, "an object")],
)  # fmt: skip
def test_json_kind_names_each_kind_of_value_for_messages(value: object, kind: str) -> None:
    assert json_kind(value) == kind


def test_a_byte_order_mark_is_ignored_with_a_warning() -> None:
    bom = Problem("warning", "file.bom", "file starts with a UTF-8 byte order mark; it was ignored", "a.json", 1)
    result = parse_command_file("a.json", b'\xef\xbb\xbf{"name": "ping"}')
    assert [c.name for c in result.commands] == ["ping"] and result.problems == [bom]
    empty = Problem("warning", "file.no-commands", "file holds an empty array", "a.json", 1)
    assert parse_command_file("a.json", b"\xef\xbb\xbf[]") == FileResult([], [bom, empty])
    assert parse_command_file("a.json", b"\n[\n]") == FileResult([], [empty])


def test_a_single_command_files_lines_are_its_own_paths() -> None:
    (command,) = parse_command_file("a.json", b'{\n "name": "a",\n "options": [\n  {"name": "o"}\n ]\n}').commands
    assert dict(command.lines) == {(): 1, ("name",): 2, ("options",): 3, ("options", 0): 4, ("options", 0, "name"): 4}
    assert len(command.lines) == 5 and command.index is None


LINES = {(): 3, ("options",): 5, ("options", 0): 6, ("options", 0, "name"): 7}


@pytest.mark.parametrize(
    ("lines", "path", "line"),
    [
        (LINES, (), 3),
        (LINES, ("options", 0, "name"), 7),
        (LINES, ("options", 0, "description"), 6),  # its option's line
        (LINES, ("options", 1, "name"), 5),  # no such option: the options array's line
        (LINES, ("nope", 0, "name"), 3),  # nothing enclosing it: the command's own line
        ({}, ("options", 0), 1),  # no line known at all: the file's first
    ],
)
def test_a_path_is_placed_on_its_own_line_or_its_nearest_enclosing_one(
    lines: dict[tuple[str | int, ...], int], path: tuple[str | int, ...], line: int
) -> None:
    assert SourceCommand({"name": "a"}, "a.json", None, lines).line_at(path) == line


@pytest.mark.parametrize(
    ("data", "index", "name", "kind", "development_only", "guilds"),
    [
        ({"name": "ping"}, None, "ping", 1, False, ()),
        ({"name": 5}, 2, "<command 2 of a.json>", 1, False, ()),  # an unusable name: where it is
        ({}, None, "<command 0 of a.json>", 1, False, ()),
        ({"name": "u", "type": 2}, 0, "u", 2, False, ()),
        ({"name": "e", "type": 4}, 0, "e", 4, False, ()),
        ({"name": "b", "type": True}, 0, "b", 1, False, ()),  # a boolean is no type: the default, CHAT_INPUT
        ({"name": "s", "type": "2"}, 0, "s", 1, False, ()),
        ({"name": "d", "developmentOnly": True}, 0, "d", 1, True, ()),
        ({"name": "d", "developmentOnly": "true"}, 0, "d", 1, False, ()),  # only true itself
        ({"name": "d", "developmentOnly": 1}, 0, "d", 1, False, ()),
        ({"name": "g", "guilds": ["2", "1", "2", 3]}, 0, "g", 1, False, ("2", "1")),  # once each, in file order
        ({"name": "g", "guildIds": ["5"]}, 0, "g", 1, False, ("5",)),  # Sapphire's key
        ({"name": "g", "guilds": ["1"], "guildIds": ["2"]}, 0, "g", 1, False, ("1",)),
        ({"name": "g", "guilds": "1"}, 0, "g", 1, False, ()),
    ],
)  # fmt: skip
def test_what_a_command_says_of_itself(
    data: dict[str, object], index: int | None, name: str, kind: int, development_only: bool, guilds: tuple[str, ...]
) -> None:
    command = SourceCommand(data, "a.json", index)
    assert (command.name, command.type, command.development_only, command.guilds) == (
        name,
        kind,
        development_only,
        guilds,
    )


def _write(root: Path, name: str, content: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_a_directory_loads_every_json_file_below_it_sorted(tmp_path: Path) -> None:
    _write(tmp_path, "cmds/b.json", '{"name": "b"}')
    _write(tmp_path, "cmds/sub/a.json", '[{"name": "c"}, {"name": "d"}]')
    _write(tmp_path, "cmds/a.json", '{"name": "a"}')
    _write(tmp_path, "cmds/readme.txt", "not a command")
    result = load_commands("cmds", tmp_path)
    assert result.files == ["cmds/a.json", "cmds/b.json", "cmds/sub/a.json"]
    assert [c.name for c in result.commands] == ["a", "b", "c", "d"]
    assert not result.failed


def test_globs_and_several_lines(tmp_path: Path) -> None:
    _write(tmp_path, "one/x.json", '{"name": "x"}')
    _write(tmp_path, "two/y.json", '{"name": "y"}')
    _write(tmp_path, "two/z.json", '{"name": "z"}')
    result = load_commands("one/x.json\n two/*.json \n", tmp_path)
    assert [c.name for c in result.commands] == ["x", "y", "z"]
    assert load_commands("**/*.json", tmp_path).files == ["one/x.json", "two/y.json", "two/z.json"]


@pytest.mark.parametrize(
    ("spec", "rule"),
    [("", "source.empty"), ("nowhere", "source.missing"), ("cmds/*.yaml", "source.no-match")],
)
def test_an_empty_or_missing_path_is_an_error(tmp_path: Path, spec: str, rule: str) -> None:
    _write(tmp_path, "cmds/a.json", '{"name": "a"}')
    result = load_commands(spec, tmp_path)
    assert result.failed
    assert [p.rule for p in result.problems] == [rule]


def test_one_bad_file_fails_the_whole_load(tmp_path: Path) -> None:
    _write(tmp_path, "cmds/good.json", '{"name": "a"}')
    _write(tmp_path, "cmds/bad.json", '{"name": ')
    result = load_commands("cmds", tmp_path)
    assert [c.name for c in result.commands] == ["a"]
    assert result.failed  # a half-loaded set would delete the missing commands from Discord


def test_a_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "cmds" / "dump.json"
    big.parent.mkdir()
    with big.open("wb") as handle:  # sparse: 50 MB on paper, nothing on disk
        handle.truncate(50 * 1024 * 1024)
    result = load_commands("cmds", tmp_path)
    assert result.failed
    (problem,) = result.problems
    assert problem.rule == "file.size" and "50.0 MiB" in problem.message
    assert MAX_FILE_BYTES < 50 * 1024 * 1024


# ------------------------------------------------------------------ fuzzing (fixed budget, runs in CI)

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from alia_action.commands.canonical import checksum  # noqa: E402
from alia_action.commands.rules import check_commands  # noqa: E402
from tests.support.examples import examples  # noqa: E402

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=6),
    max_leaves=30,
)


@settings(max_examples=examples(400), deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_load_or_fail_cleanly(raw: bytes) -> None:
    result = parse_command_file("fuzz.json", raw)
    assert result.commands or any(p.is_error for p in result.problems) or raw.strip(b" \t\r\n\xef\xbb\xbf") == b"[]"
    for problem in result.problems:
        assert problem.file == "fuzz.json" and (problem.line or 0) >= 1


@settings(max_examples=examples(300), deadline=None)
@given(json_values, st.sampled_from([None, 2, 4]))
def test_the_reader_agrees_with_json_on_any_value(value: object, indent: int | None) -> None:
    text = json.dumps(value, indent=indent)
    assert jsonpos.parse(text)[0] == json.loads(text)
    assert repr(jsonpos.loads(text)) == repr(jsonpos.parse(text)[0])  # repr: 1 and 1.0 differ


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=12), json_values, max_size=6), max_size=4))
def test_loader_rules_and_checksum_never_crash_on_any_json(commands: list[dict[str, object]]) -> None:
    loaded = parse_command_file("fuzz.json", json.dumps(commands).encode()).commands
    check_commands(loaded)
    assert checksum([c.data for c in loaded]) == checksum([c.data for c in reversed(loaded)])
