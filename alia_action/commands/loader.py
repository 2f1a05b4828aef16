"""Turn the bytes of a command file into commands that remember where they came from.

Pure: the caller reads the files (``alia_action.sources``); this module only decodes and parses.
A file holds one command object or an array of them: exactly the body of Discord's bulk
overwrite, as ``commands.map(c => c.data.toJSON())`` prints it in a discord.js project.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import jsonpos
from .problems import JsonPath, Problem

_BOM = b"\xef\xbb\xbf"


@dataclass(slots=True)
class SourceCommand:
    """A command object as written, with its file and the line of every field in it."""

    data: dict[str, Any]
    file: str
    index: int | None = None  # position in the file's array; None when the file holds one object
    lines: Mapping[JsonPath, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        name = self.data.get("name")
        return name if isinstance(name, str) else f"<command {self.index or 0} of {self.file}>"

    @property
    def type(self) -> int:
        kind = self.data.get("type", 1)
        return kind if isinstance(kind, int) and not isinstance(kind, bool) else 1

    @property
    def development_only(self) -> bool:
        return self.data.get("developmentOnly") is True

    @property
    def guilds(self) -> tuple[str, ...]:
        """The production guilds a per-guild command belongs to (``guilds``, or Sapphire's ``guildIds``); empty:
        a global command. Only well-formed IDs: the rules report the rest."""
        value = self.data.get("guilds", self.data.get("guildIds"))
        if not isinstance(value, list):
            return ()
        return tuple(dict.fromkeys(g for g in value if isinstance(g, str)))

    def line_at(self, path: Sequence[str | int] = ()) -> int:
        """The line of ``path`` inside this command, or of its nearest enclosing value."""
        parts = tuple(path)
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return self.lines.get((), 1)


class _FileLines:
    """The line of every value in one file, split by array item; read (by jsonpos) on the first look-up, since
    only a command with a problem needs one and most runs have none (detect's start-up, issue 21)."""

    __slots__ = ("_array", "_by_item", "_text")

    def __init__(self, text: str, array: bool) -> None:
        self._text = text
        self._array = array
        self._by_item: dict[int | None, dict[JsonPath, int]] | None = None

    def item(self, index: int | None) -> dict[JsonPath, int]:
        if self._by_item is None:
            self._by_item = {}
            for path, line in jsonpos.parse(self._text)[1].items():
                if not self._array:
                    self._by_item.setdefault(None, {})[path] = line
                elif path:  # per item, paths relative to that item
                    self._by_item.setdefault(int(path[0]), {})[path[1:]] = line
        return self._by_item.get(index, {})


class _ItemLines(Mapping[JsonPath, int]):
    """One command's lines, a view of its file's table."""

    __slots__ = ("_file", "_index")

    def __init__(self, file: _FileLines, index: int | None) -> None:
        self._file = file
        self._index = index

    def __getitem__(self, path: JsonPath) -> int:
        return self._file.item(self._index)[path]

    def __iter__(self) -> Iterator[JsonPath]:
        return iter(self._file.item(self._index))

    def __len__(self) -> int:
        return len(self._file.item(self._index))


@dataclass(slots=True)
class FileResult:
    commands: list[SourceCommand]
    problems: list[Problem]


def _error(file: str, line: int | None, rule: str, message: str) -> FileResult:
    return FileResult([], [Problem("error", rule, message, file=file, line=line)])


def _decode(file: str, raw: bytes) -> tuple[str | None, list[Problem]]:
    problems: list[Problem] = []
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
        problems.append(
            Problem("warning", "file.bom", "file starts with a UTF-8 byte order mark; it was ignored", file, 1)
        )
    try:
        return raw.decode("utf-8"), problems
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(
            Problem(
                "error",
                "file.encoding",
                f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save it as UTF-8",
                file,
                line,
            )
        )
        return None, problems


def parse_command_file(file: str, raw: bytes) -> FileResult:
    """Parse one command file. Any problem that makes the file unusable is an error."""
    text, problems = _decode(file, raw)
    if text is None:
        return FileResult([], problems)
    if not text.strip():
        return _error(file, 1, "file.empty", "file is empty: expected a command object or an array of them")
    try:
        value = jsonpos.loads(text)
    except jsonpos.JsonError as exc:
        problems.append(Problem("error", "file.json", f"invalid JSON: {exc.reason}", file, exc.line))
        return FileResult([], problems)

    if isinstance(value, dict):
        entries: list[tuple[int | None, Any]] = [(None, value)]
    elif isinstance(value, list):
        entries = list(enumerate(value))
        if not entries:
            problems.append(Problem("warning", "file.no-commands", "file holds an empty array", file, 1))
    else:
        return _error(file, 1, "file.shape", f"expected a command object or an array of them, found {json_kind(value)}")

    lines = _FileLines(text, array=isinstance(value, list))

    commands: list[SourceCommand] = []
    for index, entry in entries:
        if not isinstance(entry, dict):
            problems.append(
                Problem(
                    "error",
                    "file.shape",
                    f"array item {index} is {json_kind(entry)}, expected a command object",
                    file,
                    lines.item(index).get((), 1),  # the item's own line
                )
            )
            continue
        commands.append(SourceCommand(entry, file, index, _ItemLines(lines, index)))
    return FileResult(commands, problems)


def json_kind(value: Any) -> str:
    """What a decoded JSON value is, for messages: ``a string``, ``an array``, ``null`` …"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
