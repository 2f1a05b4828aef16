"""Hypothesis strategies for valid command sets that use every documented field, for the property tests.

Sets use the deprecated fields, numbers written as ints for NUMBER options, unsorted channel types, mixed-case
file types, localizations equal to the default, explicit defaults (``required: false``, ``nsfw: false``, ``[]``)
and unknown keys; :func:`valid` says whether the project's rules accept a set.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from alia_action.commands.loader import parse_command_file
from alia_action.commands.problems import has_errors
from alia_action.commands.rules import check_commands

NAMES = st.sampled_from(["alpha", "beta", "gamma", "delta", "echo", "fox", "golf", "hotel", "india", "juliet"])
TEXT = st.text(alphabet="abcdefgh XYZ.", min_size=1, max_size=30).filter(lambda s: s.strip() == s and s != "")


def localized(name: str) -> st.SearchStrategy[dict[str, str] | None]:
    # "-de" never equals another default name: no clash; equal to the default is dropped by Discord.
    return st.sampled_from([None, {}, {"de": f"{name}-de"}, {"de": name}, {"de": f"{name}-de", "fr": f"{name}-fr"}])


@st.composite
def leaf(draw: st.DrawFn, name: str) -> dict[str, Any]:
    kind = draw(st.sampled_from([3, 4, 5, 6, 7, 8, 9, 10, 11]))
    option: dict[str, Any] = {"type": kind, "name": name, "description": draw(TEXT)}
    if draw(st.booleans()):
        option["name_localizations"] = draw(localized(name))
    if draw(st.booleans()):
        option["description_localizations"] = draw(st.sampled_from([None, {"fr": "texte"}]))
    if draw(st.booleans()):
        option["required"] = draw(st.booleans())
    if kind == 3:
        mode = draw(st.sampled_from(["choices", "autocomplete", "length", "none"]))
        if mode == "choices":
            values = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True))
            option["choices"] = [{"name": v.upper(), "value": v} for v in values]
        elif mode == "autocomplete":
            option["autocomplete"] = draw(st.booleans())
        elif mode == "length":
            option["min_length"] = draw(st.integers(0, 10))
            option["max_length"] = draw(st.integers(10, 6000))
    elif kind in (4, 10):
        if draw(st.booleans()):
            option["choices"] = [{"name": f"n{i}", "value": i if kind == 4 else i + 0.5} for i in range(3)]
        else:
            low = draw(st.integers(-1000, 0))
            option["min_value"] = low if kind == 4 else draw(st.sampled_from([low, low + 0.25, float(low)]))
            option["max_value"] = draw(st.integers(1, 2**40))
    elif kind == 7 and draw(st.booleans()):
        option["channel_types"] = draw(st.lists(st.sampled_from([0, 2, 5, 10, 11, 13, 15]), min_size=1, unique=True))
    elif kind == 11 and draw(st.booleans()):
        option["file_types"] = draw(st.lists(st.sampled_from([".PNG", ".pdf", "image", "Video"]), unique=True))
    if draw(st.booleans()):
        option["example"] = "not a Discord field"  # unknown key: dropped, never sent, never compared
    return option


def ordered(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Required options first, as Discord wants."""
    return sorted(options, key=lambda o: o.get("required") is not True)


@st.composite
def options(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = draw(st.lists(NAMES, max_size=4, unique=True))
    if names and draw(st.integers(0, 3)) == 0:  # subcommands
        return [
            {"type": 1, "name": n, "description": draw(TEXT), "options": ordered([draw(leaf(f"{n}x"))])}
            for n in names[:3]
        ]
    return ordered([draw(leaf(n)) for n in names])


@st.composite
def command(draw: st.DrawFn, name: str) -> dict[str, Any]:
    kind = draw(st.sampled_from([1, 1, 1, 2, 3]))
    out: dict[str, Any] = {"name": name if kind == 1 else name.capitalize() + " It"}
    if kind != 1 or draw(st.booleans()):
        out["type"] = kind
    if kind == 1:
        out["description"] = draw(TEXT)
        opts: list[dict[str, Any]] = draw(options())
        state_empty: bool = draw(st.booleans())  # "options": [] stated, or left out
        if opts or state_empty:
            out["options"] = opts
        if draw(st.booleans()):
            out["description_localizations"] = draw(st.sampled_from([None, {"ja": "説明"}]))
    if draw(st.booleans()):
        out["name_localizations"] = draw(localized(out["name"]))
    for key, values in (
        ("default_member_permissions", [None, "0", "8", "32", 8192]),
        ("nsfw", [False, True]),
        ("contexts", [[0], [0, 1], [1, 0, 2]]),
        ("integration_types", [[0], [0, 1], [1, 0]]),
        ("dm_permission", [False, True]),
        ("default_permission", [False, True]),
    ):
        if draw(st.booleans()):
            out[key] = draw(st.sampled_from(values))
    if draw(st.booleans()):
        out["category"] = "tool-side metadata"
    return out


@st.composite
def command_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = draw(st.lists(NAMES, min_size=1, max_size=5, unique=True))
    return [draw(command(n)) for n in names]


def valid(commands: list[dict[str, Any]]) -> bool:
    parsed = parse_command_file("set.json", json.dumps(commands).encode())
    return not has_errors(check_commands(parsed.commands))
