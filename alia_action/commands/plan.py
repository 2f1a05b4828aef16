"""The plan: what a deploy would add, modify, remove or leave alone, down to the field."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .canonical import GUILD_IGNORED, PRIMARY_ENTRY_POINT, Key, canonical, command_key, comparable, documented
from .kept import Carried, carried, kept_note
from .problems import format_path

ChangeKind = Literal["added", "modified", "removed", "unchanged"]
# How a reader names each command type (markdown tables, plan notes).
TYPE_NAMES = {1: "slash", 2: "user menu", 3: "message menu", 4: "entry point"}


class _Missing:
    def __repr__(self) -> str:
        return "(unset)"


MISSING: Any = _Missing()


def show_value(value: Any) -> str:
    if value is MISSING:
        return "(unset)"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True, slots=True)
class FieldChange:
    path: str  # by index, as Discord's error trees and the problems name it: options[0].options[1].max_value
    before: Any
    after: Any
    # The same place as a reader names it: the options (and choices) by name, then the field. Not compared:
    # it is derived from the path and the values.
    where: tuple[str, ...] = field(default=(), compare=False)  # ("roll", "sides"): subcommand roll, option sides
    leaf: str = field(default="", compare=False)  # "max_value"; "" for a whole option or choice added or removed

    def __str__(self) -> str:
        return f"{self.path}: {show_value(self.before)} → {show_value(self.after)}"

    def label(self, command: str) -> str:
        """``dice › roll › sides: max_value 100 → 120``."""
        return field_label(command, self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        # An unset side is left out, so JSON readers can tell "unset" from null.
        out: dict[str, Any] = {"path": self.path, "where": list(self.where), "field": self.leaf}
        if self.before is not MISSING:
            out["before"] = self.before
        if self.after is not MISSING:
            out["after"] = self.after
        return out


SEPARATOR = " › "


def field_label(command: str, change: Mapping[str, Any]) -> str:
    """``dice › roll › sides: max_value 100 → 120`` for a report's field change (``path`` when it has no
    named form, as in a report written by an older version)."""
    before, after = change.get("before", MISSING), change.get("after", MISSING)
    if "where" not in change:
        return f"{command}: {change['path']} {show_value(before)} → {show_value(after)}".removeprefix(": ")
    place = SEPARATOR.join([*([command] if command else []), *change["where"]]) or "(command)"
    name = change.get("field") or ""
    if not name and before is MISSING:
        return f"{place}: added {show_value(after)}"
    if not name and after is MISSING:
        return f"{place}: removed"
    return f"{place}: {name + ' ' if name else ''}{show_value(before)} → {show_value(after)}"


@dataclass(slots=True)
class CommandChange:
    kind: ChangeKind
    type: int
    name: str
    fields: list[FieldChange] = field(default_factory=list)
    renamed_from: str | None = None
    remote_id: str | None = None  # Discord's ID of the command being replaced, when known
    # A live entry point the files do not define ("unchanged"): the bulk-overwrite item that keeps it as it is.
    carried: dict[str, Any] | None = None
    # The two halves of a destructive replacement: a type change (same name, another type) or another command
    # made the entry point. The activities guide edits a command's type (user-actions.mdx:129), but the PATCH
    # tables do not take it and bulk overwrites answered "Application command types are immutable"
    # (discord-api-docs#3628): planned as the delete and the create it is. The removed half names what
    # replaces it, the added half what it replaces: (type, name).
    replaced_by: Key | None = None
    replaces: Key | None = None
    # What every write of this command sends for the kept fields its file leaves out (kept.py).
    unstated: Carried = field(default_factory=Carried)

    @property
    def kept(self) -> bool:
        """A live entry point the files do not define: carried over, never removed by accident."""
        return self.carried is not None

    @property
    def permissions_lost(self) -> bool:
        """Discord deletes a command's per-guild permission overrides when it is deleted or renamed (AC:1401)."""
        return self.kind == "removed" or bool(self.renamed_from)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.renamed_from:
            out["renamed_from"] = self.renamed_from
        if self.fields:
            out["fields"] = [f.to_dict() for f in self.fields]
        for key, other in (("replaced_by", self.replaced_by), ("replaces", self.replaces)):
            if other is not None:
                out[key] = {"type": other[0], "name": other[1]}
        if self.permissions_lost:
            out["permissions_lost"] = True
        return out


def type_name(kind: Any) -> str:
    return TYPE_NAMES.get(kind, str(kind)) if isinstance(kind, int) else str(kind)


LOST_PERMISSIONS = (
    "per-guild permission overrides set by server admins are lost for good (Discord deletes them when a command "
    "is deleted or renamed; a bot token cannot write them back, so a rollback cannot restore them)"
)


def change_notes(change: Mapping[str, Any]) -> list[str]:
    """What a report's change costs beyond its fields, in words: a kept entry point, a type change or an
    entry-point move, lost permissions (a rename's kept ID is said beside its name). The terminal, the job
    summary and the PR comment all say these."""
    notes: list[str] = []
    kind = change["change"]
    if kind == "kept":
        notes.append(
            "entry point not in the command files: kept as it is (carried over in every bulk write: Discord refuses "
            "one that leaves it out)"
        )
    notes += _replacement_notes(change)
    if change.get("permissions_lost"):
        notes.append(LOST_PERMISSIONS)
    return notes


def _replacement_notes(change: Mapping[str, Any]) -> list[str]:
    if change.get("replaced_by"):
        new, name = change["replaced_by"], change["name"]
        if new["name"] == name:
            return [
                f"type change {type_name(change['type'])} → {type_name(new['type'])}: destructive, Discord cannot "
                "change a type in place: this command is deleted (its ID with it) and created anew"
            ]
        return [
            f"the entry point moves to {new['name']}: destructive, this one is deleted (an app has one entry point); "
            f'"renamedFrom": "{name}" on {new["name"]} would keep its ID instead'
        ]
    if change.get("replaces"):
        old = change["replaces"]
        if old["name"] == change["name"]:
            return [
                f"type change {type_name(old['type'])} → {type_name(change['type'])}: destructive, created anew "
                "(new ID, one create spent)"
            ]
        return [f"the new entry point, in place of {old['name']}: destructive, new ID, one create spent"]
    return []


def removal_label(change: CommandChange) -> str:
    """A removed command as the deletion guard names it: a type change or an entry-point move says so."""
    if change.replaced_by is None:
        return change.name
    kind, name = change.replaced_by
    if name == change.name:
        return f"{change.name} (type change {type_name(change.type)} → {type_name(kind)})"
    return f"{change.name} (entry point replaced by {name})"


@dataclass(slots=True)
class Plan:
    """Changes from a baseline (live commands, or the checksum file) to the local set."""

    changes: list[CommandChange]

    def of(self, kind: ChangeKind) -> list[CommandChange]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def added(self) -> list[CommandChange]:
        return self.of("added")

    @property
    def modified(self) -> list[CommandChange]:
        return self.of("modified")

    @property
    def removed(self) -> list[CommandChange]:
        return self.of("removed")

    @property
    def unchanged(self) -> list[CommandChange]:
        return self.of("unchanged")

    @property
    def kept(self) -> list[CommandChange]:
        """Live entry points the files do not define: left as they are (a kind of unchanged)."""
        return [c for c in self.changes if c.kept]

    @property
    def empty(self) -> bool:
        """True when applying the plan would change nothing: the deploy must then make no write."""
        return all(c.kind == "unchanged" for c in self.changes)

    @property
    def creates(self) -> int:
        """Creates this plan spends from Discord's 200-a-day budget: new names only (renames keep IDs)."""
        return len(self.added)

    def kept_fields(self) -> list[dict[str, Any]]:
        """Live values the files leave out and the deploy keeps, where they are not what Discord gives a command
        that never stated them (a key removed from a file): one per command and field, with the note to show."""
        return [
            {"name": c.name, "type": c.type, "field": key, "value": value, "note": kept_note(c.name, key, value)}
            for c in self.changes
            for key, value in c.unstated.notes()
        ]

    def names(self) -> dict[str, list[str]]:
        return {kind: [c.name for c in self.of(kind)] for kind in ("added", "modified", "removed", "unchanged")}


def diff_values(
    before: Any, after: Any, path: Sequence[str | int] = (), where: tuple[str, ...] = (), rest: tuple[str, ...] = ()
) -> list[FieldChange]:
    """Field-level differences between two canonical values, with ``options[1].description`` paths and the
    named form (``where``: options and choices by name; ``rest``: the field's keys below the last of them)."""
    if before == after:
        return []
    if _item_name(rest, *(before if isinstance(before, list) else after if isinstance(after, list) else [])):
        # options or choices that appear or vanish as a whole: name each one, as a change of a list would
        before, after = ([] if before is MISSING else before), ([] if after is MISSING else after)
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        out: list[FieldChange] = []
        for key in sorted(set(before) | set(after)):
            out += diff_values(before.get(key, MISSING), after.get(key, MISSING), (*path, key), where, (*rest, key))
        return out
    if isinstance(before, list) and isinstance(after, list) and _is_list_of_objects(before, after):
        out = []
        for index in range(max(len(before), len(after))):
            old = before[index] if index < len(before) else MISSING
            new = after[index] if index < len(after) else MISSING
            named = _item_name(rest, old, new)
            if named is None:  # a list of objects without names: keep the index in the field's path
                out += diff_values(
                    old, new, (*path, index), where, (*rest[:-1], f"{rest[-1] if rest else ''}[{index}]")
                )
            else:
                out += diff_values(old, new, (*path, index), (*where, named), ())
        return out
    return [FieldChange(format_path("", path), before, after, where, ".".join(rest))]


def _item_name(rest: tuple[str, ...], *items: Any) -> str | None:
    """How a reader names an item of ``options`` or ``choices``: its name (the new one when it changed)."""
    if rest not in (("options",), ("choices",)):
        return None
    for item in reversed(items):
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            return f'choice "{item["name"]}"' if rest == ("choices",) else str(item["name"])
    return None


def _is_list_of_objects(*lists: list[Any]) -> bool:
    return all(isinstance(item, Mapping) for items in lists for item in items)


def build_plan(local: Iterable[Mapping[str, Any]], remote: Iterable[Mapping[str, Any]], *, guild: bool = False) -> Plan:
    """Diff the local definitions against a baseline, keyed by (type, name), honouring ``renamedFrom``."""
    remote_by_key: dict[Key, Mapping[str, Any]] = {command_key(c): c for c in remote}
    local_list = list(local)
    local_keys = {command_key(c) for c in local_list}
    changes: list[CommandChange] = []
    claimed: set[Key] = set()

    for command in local_list:
        key = command_key(command)
        old_name = command.get("renamedFrom")
        renamed_from: str | None = None
        theirs = remote_by_key.get(key)
        if theirs is None and isinstance(old_name, str):
            old_key = (key[0], old_name)
            if old_key in remote_by_key and old_key not in local_keys and old_key not in claimed:
                theirs, renamed_from = remote_by_key[old_key], old_name
                claimed.add(old_key)
        keep = carried(command, theirs, guild=guild)
        if theirs is None:
            changes.append(CommandChange("added", key[0], key[1], unstated=keep))
            continue
        claimed.add(key)
        live = canonical(theirs, guild=guild)
        # As the write will send it; a partner made to agree counts where the baseline holds that field at all
        # (live commands do; a checksum file records only what the files state).
        sent = {k: v for k, v in keep.values.items() if k not in keep.derived or k in live}
        mine = canonical({**command, **sent}, guild=guild)
        fields = diff_values(comparable(mine, live), mine)
        remote_id = theirs.get("id") if isinstance(theirs.get("id"), str) else None
        kind: ChangeKind = "modified" if fields else "unchanged"
        changes.append(CommandChange(kind, key[0], key[1], fields, renamed_from, remote_id, unstated=keep))

    # A file that defines an entry point manages it; otherwise the live one (Discord creates "Launch" when
    # Activities are enabled, AC:1046) is kept: a bulk overwrite that leaves it out is refused (400 50240,
    # serenity#2993, NerdBot#609), and no file asked for it to go.
    manages_entry_point = any(key[0] == PRIMARY_ENTRY_POINT for key in local_keys)
    for key, theirs in remote_by_key.items():
        if key not in claimed:
            remote_id = theirs.get("id") if isinstance(theirs.get("id"), str) else None
            if key[0] == PRIMARY_ENTRY_POINT and not manages_entry_point and not guild:
                kept = CommandChange("unchanged", key[0], key[1], remote_id=remote_id, carried=carry_over(theirs))
                changes.append(kept)
            else:
                changes.append(CommandChange("removed", key[0], key[1], remote_id=remote_id))
    _pair_replacements(changes)
    changes.sort(key=lambda c: (c.type, c.name))
    return Plan(changes)


def carry_over(live: Mapping[str, Any]) -> dict[str, Any]:
    """A live command as the bulk-overwrite item that keeps it exactly as it is: its ID and every documented
    field it has (a field left out would be reset to Discord's default)."""
    item = {k: v for k, v in documented(live).items() if v is not None}
    if isinstance(live.get("id"), str):
        item["id"] = live["id"]
    return item


def _pair_replacements(changes: list[CommandChange]) -> None:
    """Link the removed and the added half of what is one destructive change to a reader: a type change (same
    name, another type) or a new entry point in place of the live one."""
    removed = [c for c in changes if c.kind == "removed"]
    for new in (c for c in changes if c.kind == "added"):
        old = next((c for c in removed if c.replaced_by is None and c.name == new.name and c.type != new.type), None)
        if old is None and new.type == PRIMARY_ENTRY_POINT:
            old = next((c for c in removed if c.replaced_by is None and c.type == PRIMARY_ENTRY_POINT), None)
        if old is not None:
            old.replaced_by, new.replaces = (new.type, new.name), (old.type, old.name)


def request_body(command: Mapping[str, Any], *, guild: bool = False) -> dict[str, Any]:
    """What is sent for one command: its documented fields as written (unknown keys, the tool's own
    keys and server fields are dropped); guild bodies also drop the fields Discord ignores there."""
    return {k: v for k, v in documented(command).items() if not (guild and k in GUILD_IGNORED)}


def overwrite_body(
    local: Iterable[Mapping[str, Any]], plan: Plan | None = None, *, guild: bool = False
) -> list[dict[str, Any]]:
    """The body of Discord's bulk overwrite for ``local``.

    Documented fields only; a renamed command carries the old command's ``id`` so Discord keeps
    the ID (not its permission overrides: Discord deletes those on a rename, AC:1401). The live values of the
    kept fields a command leaves out go along (the plan's ``unstated``): a bulk overwrite would reset them, a
    PATCH keeps them, and both routes must agree.
    """
    changes = [c for c in (plan.changes if plan else []) if c.kind != "removed"]
    ids = {(c.type, c.name): c.remote_id for c in changes if c.renamed_from}
    keep = {(c.type, c.name): c.unstated.values for c in changes}
    body: list[dict[str, Any]] = []
    for command in local:
        item = request_body(command, guild=guild)
        item.update({k: v for k, v in keep.get(command_key(command), {}).items() if v is not None})
        remote_id = ids.get(command_key(command))
        if remote_id:
            item["id"] = remote_id
        body.append(item)
    # A kept entry point goes with every bulk overwrite: leaving it out is refused (400 50240).
    return body + [dict(c.carried) for c in (plan.changes if plan else []) if c.carried is not None]


# What a PATCH sends for a documented field the file leaves out: its default, so the edit leaves the
# command exactly as the file says (a PATCH keeps every field it does not name; a PUT would reset them).
_PATCH_RESETS: dict[str, Any] = {"nsfw": False, "default_member_permissions": None, "name_localizations": None}
# Only slash commands have these (context menus take no description or options at all).
_CHAT_INPUT_RESETS: dict[str, Any] = {"description_localizations": None, "options": []}


@dataclass(frozen=True, slots=True)
class Write:
    """One request that applies a plan: ``PUT`` (the whole scope), or ``POST``/``PATCH``/``DELETE`` of one
    command. ``command_id`` is Discord's ID for PATCH and DELETE."""

    method: Literal["PUT", "POST", "PATCH", "DELETE"]
    body: Any = None
    command_id: str | None = None
    name: str = ""
    # Sent before this one: the DELETE of a live entry point a bulk overwrite replaces (Discord refuses to
    # remove it in a bulk update, 400 50240: "delete it separately").
    first: tuple[Write, ...] = ()


def plan_write(local: Iterable[Mapping[str, Any]], plan: Plan, *, guild: bool = False) -> Write:
    """The fewest writes that apply ``plan``: exactly one change is one per-command request, so only that
    command's ``version`` changes (a bulk PUT gives every command of the scope a new one, and clients holding
    the old version can fail for a while); two or more changes are one atomic bulk PUT.

    A rename is a PATCH of the old command's ID: the ID is kept (its permission overrides are not, AC:1401).
    """
    commands = list(local)
    changes = [c for c in plan.changes if c.kind != "unchanged"]
    single = changes[0] if len(changes) == 1 else None
    if single is None or (single.kind != "added" and not single.remote_id):
        first = tuple(
            Write("DELETE", None, c.remote_id, c.name)
            for c in changes
            if c.kind == "removed" and c.type == PRIMARY_ENTRY_POINT and c.remote_id and not guild
        )
        return Write("PUT", overwrite_body(commands, plan, guild=guild), first=first)
    if single.kind == "removed":
        return Write("DELETE", None, single.remote_id, single.name)
    command = next(c for c in commands if command_key(c) == (single.type, single.name))
    body = request_body(command, guild=guild)
    if single.kind == "added":
        body.update({k: v for k, v in single.unstated.values.items() if v is not None})
        return Write("POST", body, None, single.name)
    body.update(single.unstated.values)  # sent although a PATCH keeps them: the same body as a bulk overwrite's
    body.pop("type", None)  # a command's type cannot change: PATCH does not take it
    resets = {**_PATCH_RESETS, **(_CHAT_INPUT_RESETS if single.type == 1 else {})}
    for key, default in resets.items():
        body.setdefault(key, default)
    return Write("PATCH", body, single.remote_id, single.name)
