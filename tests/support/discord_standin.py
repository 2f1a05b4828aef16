"""A second, independent stand-in for Discord's application-commands API, for tests only.

The project's emulator (``alia_action.discord.emulator``) is one reading of Discord's docs; a comparison
that only ever meets it could be tuned to its habits. This stand-in keeps what Discord documents and
answers in the other ways the docs allow, so deploy-then-plan must come out empty against both:

- only documented fields are stored; anything else in a request is dropped; a localized value equal to the
  default is dropped, as Discord drops it;
- a bulk PUT rebuilds every command from its body (what an item leaves out gets the default), a PATCH keeps every
  field it is not sent;
- a command without localizations has none at all in the answer (the emulator answers ``null``), while an
  option's empty ones come back as ``null`` (the emulator leaves them out);
- ``required: false`` and ``autocomplete: false`` come back explicitly (the emulator omits them); ``nsfw`` is
  left out when false;
- global commands get ``dm_permission`` and ``contexts`` filled (``contexts`` from ``dm_permission``:
  ``[0]`` when false, else ``[0, 1, 2]``; ``dm_permission`` from ``contexts`` when only they are sent),
  ``integration_types`` ``[0]`` and ``default_permission`` ``true`` when not sent;
- ``channel_types`` come back sorted, ``file_types`` lowercased, and every number of an INTEGER or NUMBER
  option (bounds and choice values) as a float;
- an entry point without ``handler`` gets 2 (DISCORD_LAUNCH_ACTIVITY; the emulator picks 1); a bulk overwrite of
  a scope that leaves its entry point out is refused with 400 50240, as real Discord refuses it;
- versions as Discord keeps them: a PUT gives every command of the scope a new one, POST/PATCH/DELETE only
  their command's.

No validation beyond what the routes need: the validator and the emulator are tested for that elsewhere.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

COMMAND_FIELDS = (
    "type", "name", "name_localizations", "description", "description_localizations", "options",
    "default_member_permissions", "dm_permission", "default_permission", "contexts", "integration_types", "nsfw",
    "handler",
)  # fmt: skip
OPTION_FIELDS = (
    "type", "name", "name_localizations", "description", "description_localizations", "required", "choices",
    "options", "channel_types", "min_value", "max_value", "min_length", "max_length", "autocomplete", "file_types",
)  # fmt: skip
NUMERIC_OPTIONS = (4, 10)
ENTRY_POINT_KEPT = (
    "You cannot remove this app's Entry Point command in a bulk update operation. Please include the Entry Point "
    "command in your update request or delete it separately."
)


def _localized(out: dict[str, Any]) -> None:
    """Discord drops a localized value equal to the default (discord-rules.md, false diffs 4)."""
    for key, default in (
        ("name_localizations", out.get("name")),
        ("description_localizations", out.get("description")),
    ):
        if isinstance(out.get(key), Mapping):
            out[key] = {k: v for k, v in out[key].items() if v != default} or None


def _option(raw: Mapping[str, Any]) -> dict[str, Any]:
    option = {k: raw[k] for k in OPTION_FIELDS if raw.get(k) is not None}
    _localized(option)
    kind = option.get("type")
    if kind in (1, 2):
        option["options"] = [_option(o) for o in option.get("options") or []]
        option.pop("required", None)
        return option
    option.setdefault("required", False)
    if kind in (3, 4, 10):
        option.setdefault("autocomplete", False)
    if kind in NUMERIC_OPTIONS:
        for key in ("min_value", "max_value"):
            if key in option:
                option[key] = float(option[key])
        option["choices"] = [{**c, "value": float(c["value"])} for c in option.get("choices") or []]
    if not option.get("choices"):
        option.pop("choices", None)
    if "channel_types" in option:
        option["channel_types"] = sorted(set(option["channel_types"]))
    if "file_types" in option:
        option["file_types"] = [str(v).lower() for v in option["file_types"]]
    return option


def _stored(raw: Mapping[str, Any], *, guild: bool) -> dict[str, Any]:
    command = {k: raw[k] for k in COMMAND_FIELDS if k in raw}
    _localized(command)
    command["type"] = command.get("type") or 1
    if command["type"] in (2, 3):
        command["description"] = ""
    if command["type"] == 4 and command.get("handler") is None:
        command["handler"] = 2
    command["options"] = [_option(o) for o in command.get("options") or []]
    permissions = command.get("default_member_permissions")
    command["default_member_permissions"] = None if permissions is None else str(int(permissions))
    command["default_permission"] = command.get("default_permission", True) is not False
    if guild:
        for key in ("dm_permission", "contexts", "integration_types"):
            command.pop(key, None)
        return command
    stated_dm = command.get("dm_permission")
    if command.get("contexts") is None:
        command["contexts"] = [0] if stated_dm is False else [0, 1, 2]
    if stated_dm is None:
        command["dm_permission"] = 1 in command["contexts"]
    if command.get("integration_types") is None:
        command["integration_types"] = [0]
    return command


def _render_option(option: Mapping[str, Any], localized: bool) -> dict[str, Any]:
    out = {k: v for k, v in option.items() if not k.endswith("_localizations")}
    if localized:
        out["name_localizations"] = option.get("name_localizations") or None
        out["description_localizations"] = option.get("description_localizations") or None
    if "options" in option:
        out["options"] = [_render_option(o, localized) for o in option["options"]]
        if not out["options"]:
            del out["options"]
    if "choices" in option:
        out["choices"] = [
            {k: v for k, v in c.items() if localized or not k.endswith("_localizations")} for c in option["choices"]
        ]
    return out


def _render(command: Mapping[str, Any], localized: bool) -> dict[str, Any]:
    out = {k: v for k, v in command.items() if not k.endswith("_localizations") and k != "options"}
    if localized:
        for key in ("name_localizations", "description_localizations"):
            if command.get(key):
                out[key] = command[key]
    if command["options"]:
        out["options"] = [_render_option(o, localized) for o in command["options"]]
    if out.get("nsfw") is not True:
        out.pop("nsfw", None)
    return out


class DiscordStandIn:
    """``with DiscordStandIn(app_id, token) as standin:`` → ``standin.url`` is the API base URL."""

    def __init__(self, application_id: str, token: str) -> None:
        self.application_id = application_id
        self.token = token
        self.scopes: dict[str | None, list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str]] = []
        self._ids = itertools.count(1_200_000_000_000_000_001)
        self._lock = threading.Lock()
        handler = type("_Bound", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/api/v10"

    def commands(self, guild_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [_render(c, True) for c in self.scopes.get(guild_id, [])]

    def _new(self, raw: Mapping[str, Any], guild_id: str | None, command_id: str | None = None) -> dict[str, Any]:
        command = _stored(raw, guild=guild_id is not None)
        command["id"] = command_id or str(next(self._ids))
        command["application_id"] = self.application_id
        command["version"] = str(next(self._ids))
        if guild_id is not None:
            command["guild_id"] = guild_id
        return command

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        parts = path.removeprefix("/api/v10/").split("/")
        if len(parts) < 3 or parts[:2] != ["applications", self.application_id]:
            return 404, {"message": "404: Not Found", "code": 0}
        rest = parts[2:]
        guild_id = None
        if rest[0] == "guilds":
            guild_id, rest = rest[1], rest[2:]
        command_id = rest[1] if len(rest) > 1 else None
        localized = query.get("with_localizations", ["false"])[-1] == "true"
        with self._lock:
            scope = self.scopes.setdefault(guild_id, [])
            target = next((c for c in scope if c["id"] == command_id), None)
            if command_id is not None and target is None:
                return 404, {"message": "Unknown application command", "code": 10063}
            if method == "GET":
                return 200, _render(target, localized) if target else [_render(c, localized) for c in scope]
            if method == "PUT":
                by_name = {(c["type"], c["name"]): c["id"] for c in scope}
                kept = [c.get("id") or by_name.get((c.get("type") or 1, c["name"])) for c in body]
                entry_point = next((c for c in scope if c["type"] == 4), None)
                if entry_point is not None and entry_point["id"] not in kept:  # serenity#2993, NerdBot#609
                    return 400, {"message": ENTRY_POINT_KEPT, "code": 50240}
                new = [self._new(c, guild_id, command_id) for c, command_id in zip(body, kept, strict=True)]
                self.scopes[guild_id] = new
                return 200, [_render(c, True) for c in new]
            if method == "POST":
                same = next((c for c in scope if (c["type"], c["name"]) == (body.get("type") or 1, body["name"])), None)
                command = self._new(body, guild_id, same["id"] if same else None)
                self.scopes[guild_id] = [command if c is same else c for c in scope] + ([] if same else [command])
                return (200 if same else 201), _render(command, True)
            assert target is not None
            if method == "DELETE":
                self.scopes[guild_id] = [c for c in scope if c is not target]
                return 204, None
            merged = {**_render(target, True), **body, "type": target["type"]}
            command = self._new(merged, guild_id, target["id"])
            self.scopes[guild_id] = [command if c is target else c for c in scope]
            return 200, _render(command, True)

    def __enter__(self) -> DiscordStandIn:
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    standin: DiscordStandIn

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.standin.requests.append((self.command, split.path))
        if self.headers.get("Authorization") != f"Bot {self.standin.token}":
            status, body = 401, {"message": "401: Unauthorized", "code": 0}
        else:
            status, body = self.standin.handle(
                self.command, split.path, parse_qs(split.query), json.loads(raw) if raw else None
            )
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _handle
