"""The live set a write will leave, every command and every field, and how the live set after it differs.

A deploy's verification compares the fresh GET with this prediction, not only with what the files state: a field
the plan did not name that changed anyway (a side effect of Discord on a command nobody planned, a default a route
reset) fails the deploy, naming the command and the field.

The prediction applies Discord's documented semantics to the live set read before the write: a bulk PUT rebuilds
every command from its body (AC:1371-1372: what an item leaves out gets the default), a POST creates or replaces one
command by name, a PATCH overwrites only the fields it sends (AC:1241), a DELETE removes one command; every other
command stays exactly as it was. Where Discord fills a field its own way (a command's ``contexts``,
``integration_types``, ``dm_permission`` and an entry point's ``handler`` when a create leaves them out, or when live
holds null), the field is *Discord's fill*: predicted, and accepted whatever value Discord chose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .canonical import GLOBAL_ONLY, STATED_ONLY, Key, canonical, command_key
from .plan import SEPARATOR, FieldChange, Write, diff_values, show_value

# Kept fields with a fixed documented default: left out of a create or a bulk overwrite, they take it (AC:36).
FIXED_DEFAULTS: dict[str, Any] = {"default_permission": True}


@dataclass(frozen=True, slots=True)
class Predicted:
    """One command as it will be live: its canonical form, and the fields Discord fills its own way."""

    key: Key
    form: dict[str, Any]
    filled: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A difference between the prediction and the live set: a field, or a whole command (``change`` None)."""

    name: str
    change: FieldChange | None = None
    missing: bool = False  # predicted, not live (else: live, not predicted)

    def __str__(self) -> str:
        if self.change is not None:
            place = SEPARATOR.join([self.name, *self.change.where])
            what = self.change.leaf or "the whole item"
            return f"{place}: {what} planned {show_value(self.change.before)}, live {show_value(self.change.after)}"
        return f"{self.name}: planned but not live" if self.missing else f"{self.name}: live but never planned"


def _filled(command: Mapping[str, Any], *, guild: bool) -> frozenset[str]:
    """The kept fields ``command`` (a request body, or a merged live command) leaves to Discord."""
    return frozenset(
        key
        for key in STATED_ONLY
        if key not in FIXED_DEFAULTS and command.get(key) is None and not (guild and key in GLOBAL_ONLY)
    )


def _created(body: Mapping[str, Any], *, guild: bool) -> Predicted:
    """A command as a create or a bulk overwrite leaves it: what the body states, the defaults for the rest."""
    item = dict(body)
    item.update({k: v for k, v in FIXED_DEFAULTS.items() if item.get(k) is None})
    return Predicted(command_key(item), canonical(item, guild=guild), _filled(item, guild=guild))


def _patched(live: Mapping[str, Any], body: Mapping[str, Any], *, guild: bool) -> Predicted:
    """A live command after a PATCH: the fields sent replace the live ones (null: Discord's default); the type
    cannot change."""
    merged = {**live, **{k: v for k, v in body.items() if k != "type"}}
    merged.update({k: v for k, v in FIXED_DEFAULTS.items() if merged.get(k) is None})
    return Predicted(command_key(merged), canonical(merged, guild=guild), _filled(merged, guild=guild))


def _as_is(live: Mapping[str, Any], *, guild: bool) -> Predicted:
    return Predicted(command_key(live), canonical(live, guild=guild), _filled(live, guild=guild))


def predict(live: Iterable[Mapping[str, Any]], write: Write, *, guild: bool) -> list[Predicted]:
    """The whole live set after ``write``, from the set read before it."""
    before = list(live)
    if write.method == "PUT":
        return [_created(item, guild=guild) for item in write.body]
    out: list[Predicted] = []
    for command in before:
        if write.command_id is not None and command.get("id") == write.command_id:
            if write.method == "PATCH":
                out.append(_patched(command, write.body, guild=guild))
            continue  # DELETE
        out.append(_as_is(command, guild=guild))
    if write.method == "POST":  # Discord's create is an upsert by name (and type)
        made = _created(write.body, guild=guild)
        out = [p for p in out if p.key != made.key] + [made]
    return out


def mismatches(predicted: Iterable[Predicted], live: Iterable[Mapping[str, Any]], *, guild: bool) -> list[Mismatch]:
    """Every difference between ``predicted`` and the live set, by command then field (Discord's fills aside)."""
    want = {p.key: p for p in predicted}
    have = {command_key(c): canonical(c, guild=guild) for c in live}
    out: list[Mismatch] = []
    for key in sorted(set(want) | set(have)):
        name = key[1]
        if key not in have:
            out.append(Mismatch(name, missing=True))
        elif key not in want:
            out.append(Mismatch(name))
        else:
            filled = want[key].filled
            planned = {k: v for k, v in want[key].form.items() if k not in filled}
            actual = {k: v for k, v in have[key].items() if k not in filled}
            out += [Mismatch(name, change) for change in diff_values(planned, actual)]
    return out
