"""Shared by several test modules (moved out of test_workflow.py, so no test reads another's globals)."""

from __future__ import annotations

import re

REGISTERED = {
    "add-mask",
    "add-matcher",
    "add-path",
    "debug",
    "echo",
    "endgroup",
    "error",
    "group",
    "notice",
    "remove-matcher",
    "save-state",
    "set-env",
    "set-output",
    "stop-commands",
    "warning",
}


Command = tuple[str, dict[str, str], str]


def _unescape(text: str, pairs: list[tuple[str, str]]) -> str:
    for escaped, raw in pairs:
        text = text.replace(escaped, raw)
    return text


_DATA = [("%0D", "\r"), ("%0A", "\n"), ("%25", "%")]


_PROPERTY = [("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")]


_LEGACY = [("%3B", ";"), ("%0D", "\r"), ("%0A", "\n"), ("%5D", "]"), ("%25", "%")]


def _parse_v2(line: str, registered: set[str]) -> Command | None:
    message = line.lstrip()
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    info = message[2:end]
    name, _, rest = info.partition(" ")
    if name.lower() not in registered:
        return None
    props: dict[str, str] = {}
    for prop in filter(None, rest.strip().split(",")):
        pair = [p for p in prop.split("=", 1) if p]
        if len(pair) == 2:
            props[pair[0]] = _unescape(pair[1], _PROPERTY)
    return name, props, _unescape(message[end + 2 :], _DATA)


def _parse_v1(line: str, registered: set[str]) -> Command | None:
    start = line.find("##[")
    if start < 0:
        return None
    end = line.find("]", start)
    if end < 0:
        return None
    name, _, rest = line[start + 3 : end].partition(" ")
    if name.lower() not in registered:
        return None
    props: dict[str, str] = {}
    for prop in filter(None, rest.split(";")):
        pair = [p for p in prop.split("=", 1) if p]
        if len(pair) == 2:
            props[pair[0]] = _unescape(pair[1], _LEGACY)
    return name, props, _unescape(line[end + 1 :], _LEGACY)


def runner_commands(log: str) -> list[Command]:
    """The commands the runner would act on, in order (stop/resume themselves excluded)."""
    registered = set(REGISTERED)
    stop_token: str | None = None
    acted: list[Command] = []
    for line in re.split(r"\r\n|\r|\n", log):
        command = _parse_v2(line, registered) or _parse_v1(line, registered)
        if command is None:
            continue
        name = command[0].lower()
        if stop_token is not None:
            if name == stop_token.lower():
                registered.discard(stop_token.lower())
                stop_token = None
            continue
        if name == "stop-commands":
            stop_token = command[2]
            registered.add(stop_token.lower())
            continue
        acted.append(command)
    assert stop_token is None, "a stop-commands block was left open"
    return acted


def parse_file_command(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT as the runner reads it: NAME=VALUE lines and NAME<<DELIMITER heredocs."""
    out: dict[str, str] = {}
    index = 0

    def read_line() -> tuple[str | None, str | None]:
        nonlocal index
        if index >= len(text):
            return None, None
        lf = text.find("\n", index)
        if lf < 0:
            line, index = text[index:], len(text)
            return line, None
        line, index = text[index:lf], lf + 1
        return line, "\n"

    line, _ = read_line()
    while line is not None:
        if line:
            eq, heredoc = line.find("="), line.find("<<")
            if eq >= 0 and (heredoc < 0 or eq < heredoc):
                key, value = line.split("=", 1)
            elif heredoc >= 0 and (eq < 0 or heredoc < eq):
                key, delimiter = line.split("<<", 1)
                assert key and delimiter, f"invalid heredoc line {line!r}"
                start = end = index
                temp, newline = read_line()
                while temp != delimiter:
                    if temp is None:
                        raise ValueError(f"Matching delimiter not found '{delimiter}'")
                    if newline is None:
                        raise ValueError("EOF marker missing new line")
                    end = index - len(newline)
                    temp, newline = read_line()
                value = text[start:end] if end > start else ""
            else:
                raise ValueError(f"Invalid format '{line}'")
            out[key] = value
        line, _ = read_line()
    return out
