"""A strict JSON reader that remembers the line of every value.

The standard ``json`` module gives no positions, and problems must be annotated on the line
that holds them. This reader also refuses what ``json`` silently accepts and Discord would
never see as intended: duplicate keys (the last one would win), ``NaN``/``Infinity``, and
nesting deep enough to exhaust the stack.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from json import JSONDecodeError
from json import decoder as _decoder
from typing import Any

from .problems import JsonPath

MAX_DEPTH = 64

_WS = re.compile(r"[ \t\n\r]*")
_WS_CHARS = frozenset(" \t\n\r")
_NUMBER = re.compile(r"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_scanstring: Any = getattr(_decoder, "scanstring")  # noqa: B009 (not in typeshed)
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


class JsonError(ValueError):
    """Malformed JSON, with the 1-based line and column where reading stopped."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.reason = message
        self.line = line
        self.column = column


class _Reader:
    def __init__(self, text: str, max_depth: int) -> None:
        self.text = text
        self.max_depth = max_depth
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.lines: dict[JsonPath, int] = {}

    def line_of(self, index: int) -> int:
        return bisect_right(self.newlines, index - 1) + 1

    def fail(self, message: str, index: int) -> JsonError:
        if index >= len(self.text):
            message = f"unexpected end of file ({message}): the JSON is truncated"
        line = self.line_of(index)
        start = self.newlines[line - 2] + 1 if line > 1 else 0
        return JsonError(message, line, index - start + 1)

    def skip(self, index: int) -> int:
        if self.text[index : index + 1] not in _WS_CHARS:  # most calls: no whitespace to skip
            return index
        match = _WS.match(self.text, index)
        return match.end() if match else index

    def value(self, index: int, path: JsonPath, depth: int) -> tuple[Any, int]:
        text = self.text
        index = self.skip(index)
        self.lines[path] = self.line_of(index)
        char = text[index : index + 1]
        if char == "{":
            return self.object(index + 1, path, depth + 1)
        if char == "[":
            return self.array(index + 1, path, depth + 1)
        if char == '"':
            return self.string(index + 1)
        number = _NUMBER.match(text, index)
        if number:
            integer, fraction, exponent = number.groups()
            if fraction or exponent:
                return float(integer + (fraction or "") + (exponent or "")), number.end()
            try:
                return int(integer), number.end()
            except ValueError:  # past Python's limit on integer digits (sys.get_int_max_str_digits: 4,300)
                digits = len(integer.lstrip("-"))
                raise self.fail(
                    f"a whole number of {digits} digits (4300 at most; no command field holds one)", index
                ) from None
        for word, literal in _LITERALS.items():
            if text.startswith(word, index):
                return literal, index + len(word)
        raise self.fail(f"expected a JSON value, found {char!r}", index)

    def string(self, index: int) -> tuple[str, int]:
        try:
            # The C-accelerated string scanner of the json module: the hot loop stays native.
            value, end = _scanstring(self.text, index, True)
            return str(value), int(end)
        except JSONDecodeError as exc:
            raise self.fail(exc.msg.lower(), exc.pos) from None

    def object(self, index: int, path: JsonPath, depth: int) -> tuple[dict[str, Any], int]:
        if depth > self.max_depth:
            raise self.fail(f"JSON nested deeper than {self.max_depth} levels", index)
        text = self.text
        result: dict[str, Any] = {}
        index = self.skip(index)
        if text[index : index + 1] == "}":
            return result, index + 1
        while True:
            if text[index : index + 1] != '"':
                raise self.fail("expected a property name in double quotes", index)
            key_line = self.line_of(index)
            key, index = self.string(index + 1)
            if key in result:
                first = self.lines.get((*path, key), key_line)
                raise self.fail(f"duplicate key {key!r} (first on line {first})", index)
            index = self.skip(index)
            if text[index : index + 1] != ":":
                raise self.fail("expected ':' after a property name", index)
            child = (*path, key)
            result[key], index = self.value(index + 1, child, depth)
            self.lines[child] = key_line
            char, index = self.after_item(index, "}", "a property")
            if char == "}":
                return result, index + 1
            index = self.skip(index + 1)
            if text[index : index + 1] == "}":  # reported on the comma's line, where the fix is
                raise self.trailing_comma(index, "}")

    def array(self, index: int, path: JsonPath, depth: int) -> tuple[list[Any], int]:
        if depth > self.max_depth:
            raise self.fail(f"JSON nested deeper than {self.max_depth} levels", index)
        text = self.text
        result: list[Any] = []
        index = self.skip(index)
        if text[index : index + 1] == "]":
            return result, index + 1
        while True:
            item, index = self.value(index, (*path, len(result)), depth)
            result.append(item)
            char, index = self.after_item(index, "]", "an array item")
            if char == "]":
                return result, index + 1
            index = self.skip(index + 1)
            if text[index : index + 1] == "]":
                raise self.trailing_comma(index, "]")

    def after_item(self, end: int, close: str, item: str) -> tuple[str, int]:
        """The ',' or ``close`` after an item, and its index. Neither: the error names the item's own line when
        a line break came first (a ',' missing at the end of a line), else where reading stopped."""
        index = self.skip(end)
        char = self.text[index : index + 1]
        if char in (",", close):
            return char, index
        if index < len(self.text) and "\n" in self.text[end:index]:
            raise self.fail(f"expected ',' or '{close}' after {item}: is a ',' missing at the end of this line?", end)
        raise self.fail(f"expected ',' or '{close}' after {item}", index)

    def trailing_comma(self, close: int, char: str) -> JsonError:
        """A ',' right before ``char``: JSON allows none there; the error is on the comma's line."""
        comma = self.text.rindex(",", 0, close)
        return self.fail(f"trailing comma before '{char}': JSON allows no ',' after the last item", comma)


def parse(text: str, *, max_depth: int = MAX_DEPTH) -> tuple[Any, dict[JsonPath, int]]:
    """Parse ``text``; return the value and the 1-based line of every path in it."""
    reader = _Reader(text, max_depth)
    value, end = reader.value(0, (), 0)
    end = reader.skip(end)
    if end != len(text):
        raise reader.fail("unexpected data after the JSON value", end)
    return value, reader.lines


def loads(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The value of ``text`` alone, as :func:`parse` gives it: read by the json module's C reader when the text
    holds nothing :func:`parse` refuses (a duplicate key, NaN or Infinity, nesting past ``max_depth``), else by
    :func:`parse`, whose JsonError names the line. About 25 times faster: the lines are read only when a problem
    needs one (detect's start-up, issue 21)."""
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return parse(text, max_depth=max_depth)[0]
    if _depth(value) > max_depth:
        return parse(text, max_depth=max_depth)[0]
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")  # parse() says which, and where
    return result


def _refuse_constant(word: str) -> Any:
    raise ValueError(f"{word} is not JSON")  # NaN, Infinity, -Infinity: parse() says where


def _depth(value: Any) -> int:
    """How many objects and arrays deep ``value`` nests (a bare string is 0, ``[]`` is 1)."""
    deepest, level, pending = 0, [value], 1
    while level:
        containers = [v for v in level if isinstance(v, dict | list)]
        if not containers:
            break
        deepest = pending
        level = [child for c in containers for child in (c.values() if isinstance(c, dict) else c)]
        pending += 1
    return deepest
