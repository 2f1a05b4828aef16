"""What a field the file leaves out means: the live value is kept, whatever the route.

Discord fills the fields a request leaves out differently per route: a PATCH keeps them (application-commands.mdx
AC:1241), a create or a bulk overwrite gives them Discord's default or the app's fill (AC:35-36, AC:1371-1372). So
one file could end in two live commands. For the fields Discord fills (``canonical.STATED_ONLY``: ``contexts``,
``integration_types``, ``handler``, ``dm_permission``, ``default_permission``) the tool decides once: omitted means
*keep the live value*. Every write of a command that is live carries those values over (the PATCH body and the bulk
PUT item alike), so both routes send the same thing and end the same. A command that is not live yet gets Discord's
fill (nothing to keep). The other defaulted fields (``nsfw``, ``default_member_permissions``, localizations) have a
fixed documented default and stay declarative: omitted means that default.

``dm_permission`` and ``contexts`` say one thing twice: ``dm_permission`` is whether the command is usable in the
bot's DMs (AC:35, deprecated for ``contexts``), ``contexts`` holds 1 (BOT_DM) for the same. When the file states one,
the other is not kept but made to agree with it (``contexts`` stated → ``dm_permission`` is whether it holds 1;
``dm_permission`` stated → the live ``contexts`` with 1 added or taken out), so a request never holds both in
disagreement, which Discord would settle its own way (a kept ``contexts: [0, 1, 2]`` would overrule a newly stated
``dm_permission: false``). The plan shows that change like any other.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .canonical import GUILD_IGNORED, STATED_ONLY

# One fact twice: usable in the bot's DMs (dm_permission, AC:35) and BOT_DM in contexts.
PARTNER = {"dm_permission": "contexts", "contexts": "dm_permission"}
BOT_DM = 1
# The values Discord gives a command that never stated the field (AC:35-36; new apps get [0,1]/[0,1,2], and the
# contexts default was [0,1] for a while: discord-api-docs PR 7583). A kept value outside these is worth a note: it
# is what a file that once stated the field left behind.
NATURAL: dict[str, tuple[Any, ...]] = {
    "dm_permission": (True,),
    "default_permission": (True,),
    "contexts": ([0, 1], [0, 1, 2]),
    "integration_types": ([0], [0, 1]),
}


@dataclass(frozen=True, slots=True)
class Carried:
    """What a write sends for the kept fields a command leaves out. ``values``: field → value (None: sent as null,
    Discord's default); ``derived``: the fields among them made to agree with their stated partner."""

    values: dict[str, Any] = field(default_factory=dict)
    derived: frozenset[str] = frozenset()

    def notes(self) -> list[tuple[str, Any]]:
        """The kept live values a reader should hear about: (field, value), in field order."""
        return [
            (key, value)
            for key, value in sorted(self.values.items())
            if key not in self.derived and key in NATURAL and _sorted(value) not in NATURAL[key]
        ]


def _stated(command: Mapping[str, Any], key: str) -> bool:
    return command.get(key) is not None  # null means "not stated", as canonical() reads it


def _sorted(value: Any) -> Any:
    return sorted(value) if isinstance(value, list) and all(isinstance(v, int) for v in value) else value


def carried(local: Mapping[str, Any], live: Mapping[str, Any] | None, *, guild: bool) -> Carried:
    """The kept fields ``local`` leaves out, as a write must send them for ``live`` (None: a new command)."""
    values: dict[str, Any] = {}
    derived: set[str] = set()
    for key in STATED_ONLY:
        if _stated(local, key) or (guild and key in GUILD_IGNORED):  # guilds ignore them: nothing to keep
            continue
        if key in PARTNER and _stated(local, PARTNER[key]):
            values[key] = _follow(key, local[PARTNER[key]], live)
            derived.add(key)
        elif live is not None and live.get(key) is not None:
            values[key] = live[key]
    return Carried(values, frozenset(derived))


def _follow(key: str, stated: Any, live: Mapping[str, Any] | None) -> Any:
    """The value of ``key`` that agrees with its stated partner; None (sent as null: Discord's default) when it
    cannot be told (a partner of the wrong shape, no live ``contexts`` to adjust, or none left)."""
    if key == "dm_permission":
        return BOT_DM in stated if isinstance(stated, list) else None
    contexts = live.get("contexts") if live is not None else None
    if not isinstance(contexts, list) or not isinstance(stated, bool):
        return None
    others = {c for c in contexts if c != BOT_DM}
    return sorted({*others, BOT_DM} if stated else others) or None


def kept_note(name: str, key: str, value: Any) -> str:
    """``secret: dm_permission not in the file: live false is kept; state it to change it``."""
    return f"{name}: {key} not in the file: live {json.dumps(value)} is kept; state it to change it"
