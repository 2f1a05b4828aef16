"""A loopback emulator of Discord's application-commands API (v10), for tests and local runs.

Real HTTP over 127.0.0.1 (stdlib ``ThreadingHTTPServer`` in a background thread), so the client
under test does everything it does against Discord: headers, JSON, status codes, rate limits,
retries. It behaves like Discord so that it never hides bugs:

* global and per-guild commands of one or more applications; ``GET/PUT/POST`` on the
  collection, ``GET/PATCH/DELETE`` on one command;
* ``Authorization: Bot <token>`` checked (401, 20012), guilds checked (10004, 50001),
  and the OAuth2 client-credentials grant: ``POST /oauth2/token`` (form body, HTTP Basic auth with
  the application ID and client secret) gives Bearer tokens valid on their own application's command
  routes until they expire by :attr:`Emulator.clock` (401 elsewhere; oauth2.mdx:239-283);
  unknown commands (10063), invalid JSON (50109);
* Discord's validation in Discord's error vocabulary (50035 with nested ``errors``), the size
  limit, per-scope counts (30032) and the 200-creates-a-day budget (30034);
* a bulk PUT rebuilds every command from its body (what an item leaves out gets the default), a
  PATCH keeps every field it is not sent; ``dm_permission`` follows ``contexts`` when only they are sent;
* responses shaped like Discord's (defaults filled, false/unset option fields omitted,
  localizations only with ``?with_localizations=true``), IDs kept for unchanged names and for
  items carrying ``id``; versions as Discord keeps them: a PUT gives every command of the scope a
  new ``version``, a POST, PATCH or DELETE touches only its command;
* rate-limit headers on every response and real 429s when a bucket is exhausted, and (``global_limit``)
  Discord's global limit over all routes with its 429 body and ``X-RateLimit-Scope``, on ``rate_clock``;
* a fleet (:meth:`Emulator.add_fleet`): thousands of guilds for one bot, listed by ``GET /users/@me/guilds``
  in pages of up to 200 after an ID, as Discord does (user.mdx), guild commands in some, the
  ``applications.commands`` scope missing in some (403 50001 on their command routes);
* scripted faults (429 route/global, 5xx, slow answers, connections dropped before or after
  the write, a side effect on a command the write did not name) from Python
  (:attr:`Emulator.faults`) or over HTTP (``POST /_emulator/faults``);
* a request log (:attr:`Emulator.requests`) with the Authorization value redacted.

A local service done right: it listens on loopback only; it refuses a request whose ``Host`` is not its own
(DNS rebinding) or whose ``Origin`` is another site's (any page open in a browser could otherwise POST to the
control API: wipe the state, replace a token), with 403; and it refuses a body over :data:`MAX_BODY_BYTES`
(1 MiB on the control API) with 413 without reading it, so memory stays flat whatever is sent.

Snowflakes are deterministic (a counter on a fixed epoch), so cassettes and tests are stable.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import ipaddress
import json
import math
import re
import secrets
import socket
import sys
import threading
import time
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, TextIO
from urllib.parse import parse_qs, urlsplit

from . import emulator_checks as checks

DEFAULT_BASE_PATH = "/api/v10"
CONTROL_PREFIX = "/_emulator"
DISCORD_EPOCH_MS = 1420070400000
SNOWFLAKE_BASE_MS = 1704067200000  # 2024-01-01T00:00:00Z: IDs look recent and are stable

# The application `serve()` registers by default. The token is a dummy for the emulator only.
TEST_APPLICATION_ID = "1180000000000000001"
TEST_GUILD_ID = "1180000000000000002"
TEST_TOKEN = "emulator-dummy-token"  # a dummy, not a secret

DAY = 86400.0
TOKEN_ROUTE = "/oauth2/token"
GUILDS_ROUTE = "/users/@me/guilds"
GUILDS_PAGE = 200  # Discord's most per page of GET /users/@me/guilds (user.mdx: limit 1-200, default 200)
FLEET_BASE = 1_200_000_000_000_000_000  # fleet guild IDs count up from here
COMMANDS_SCOPE = "applications.commands.update"  # the one scope a Bearer token needs on the command routes
BEARER_LIFETIME = 604800.0  # Discord's expires_in for client-credentials tokens (oauth2.mdx:281)
# Request bodies: the control API's are small (a fault, a seed of commands). Discord's routes take a bulk
# overwrite of every command of a scope, localizations included (AC: 8,000 characters per command's longest
# variants, up to 100 + 15 + 15 commands): a few MiB at the very most.
MAX_CONTROL_BODY_BYTES = 1 << 20
MAX_BODY_BYTES = 8 << 20
LOOPBACK_NAMES = frozenset({"localhost"})

_ROUTES: tuple[tuple[re.Pattern[str], str, frozenset[str]], ...] = (
    (re.compile(r"^/applications/(?P<app>\d+)/commands$"), "/applications/{app}/commands",
     frozenset({"GET", "PUT", "POST"})),
    (re.compile(r"^/applications/(?P<app>\d+)/commands/(?P<cmd>\d+)$"), "/applications/{app}/commands/{id}",
     frozenset({"GET", "PATCH", "DELETE"})),
    (re.compile(r"^/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands$"),
     "/applications/{app}/guilds/{guild}/commands", frozenset({"GET", "PUT", "POST"})),
    (re.compile(r"^/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands/(?P<cmd>\d+)$"),
     "/applications/{app}/guilds/{guild}/commands/{id}", frozenset({"GET", "PATCH", "DELETE"})),
)  # fmt: skip


def _err(code: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"message": message, "code": code, **extra}


UNAUTHORIZED = _err(0, "401: Unauthorized")
NOT_FOUND = _err(0, "404: Not Found")
METHOD_NOT_ALLOWED = _err(0, "405: Method Not Allowed")
NOT_AUTHORIZED_APP = _err(20012, "You are not authorized to perform this action on this application")
UNKNOWN_GUILD = _err(10004, "Unknown Guild")
MISSING_ACCESS = _err(50001, "Missing Access")
UNKNOWN_COMMAND = _err(10063, "Unknown application command")
INVALID_JSON = _err(50109, "The request body contains invalid JSON.")
BLOCKED = _err(40333, "internal network error")
NAME_EXISTS = _err(40041, "An application command with that name already exists")
# Real Discord's answer to a bulk overwrite of global commands that leaves out the app's entry point
# (serenity#2993, NerdBot#609, discordx#1105).
ENTRY_POINT_KEPT = _err(
    50240,
    "You cannot remove this app's Entry Point command in a bulk update operation. Please include the Entry Point "
    "command in your update request or delete it separately.",
)
# What enabling Activities creates (AC:1046: type 4, handler 2 DISCORD_LAUNCH_ACTIVITY). The docs call it
# "Launch"; peers' recorded answers show the name lowercase, and the contexts of the activities guide's example.
LAUNCH_COMMAND: dict[str, Any] = {
    "type": 4,
    "name": "launch",
    "description": "Launch",
    "handler": 2,
    "integration_types": [0, 1],
    "contexts": [0, 1, 2],
}
# What a new application's global commands come back with when a write leaves these out (seen on apps
# created since user installs; the docs' defaults, AC:1371-1372, are older apps' [0] and all contexts).
NEW_APP_DEFAULTS: dict[str, list[int]] = {"integration_types": [0, 1], "contexts": [0, 1, 2]}


def daily_limit_error(limit: int) -> dict[str, Any]:
    return _err(30034, f"Max number of daily application command creates has been reached ({limit})")


def max_commands_error(limit: int) -> dict[str, Any]:
    return _err(30032, f"Maximum number of application commands reached ({limit})")


# ---------------------------------------------------------------------------------------------
# faults and the request log


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour. Build with the class methods."""

    kind: str  # rate_limit | global_rate_limit | status | slow | drop | drop_after_write | response | raw | side_effect
    status: int = 0
    retry_after: float = 0.0
    seconds: float = 0.0
    body: Any = None
    headers: Mapping[str, str] | None = None
    code: int | None = None
    command: str = ""  # side_effect: the name of the command it changes

    KINDS: ClassVar[frozenset[str]] = frozenset(
        {
            "rate_limit", "global_rate_limit", "status", "slow", "drop", "drop_after_write", "response", "raw",
            "side_effect",
        }
    )  # fmt: skip

    @classmethod
    def rate_limit(cls, retry_after: float, *, is_global: bool = False, code: int | None = None) -> Fault:
        """429 for the route (or global); the bucket then really stays shut for ``retry_after``."""
        return cls("global_rate_limit" if is_global else "rate_limit", status=429, retry_after=retry_after, code=code)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls("status", status=status)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Sleep ``seconds`` before processing and answering normally."""
        return cls("slow", seconds=seconds)

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without processing the request or answering."""
        return cls("drop")

    @classmethod
    def drop_after_write(cls) -> Fault:
        """Process the request (state changes) and close the connection without answering."""
        return cls("drop_after_write")

    @classmethod
    def respond(cls, status: int, body: Any = None, headers: Mapping[str, str] | None = None) -> Fault:
        """Answer with exactly this status, JSON body and headers."""
        return cls("response", status=status, body=body, headers=headers)

    @classmethod
    def raw(cls, status: int, body: str, content_type: str = "text/html; charset=utf-8") -> Fault:
        """Answer with this status and these exact bytes (a proxy's or captive portal's page),
        without processing the request."""
        return cls("raw", status=status, body=body, headers={"Content-Type": content_type})

    @classmethod
    def side_effect(cls, command: str, fields: Mapping[str, Any]) -> Fault:
        """Process the request normally; when it changed the scope, also set ``fields`` (as stored, e.g.
        ``{"dm_permission": False}``) on the scope's command named ``command``, with a new version: a change
        nobody asked for, which a deploy's verification must catch."""
        return cls("side_effect", body=dict(fields), command=command)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        kind = str(data.get("kind", ""))
        if kind not in cls.KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {sorted(cls.KINDS)}")
        if kind in ("rate_limit", "global_rate_limit"):
            return cls.rate_limit(
                float(data.get("retry_after", 1.0)),
                is_global=kind == "global_rate_limit" or bool(data.get("global")),
                code=data.get("code"),
            )
        if kind == "status":
            return cls.server_error(int(data.get("status", 500)))
        if kind == "slow":
            return cls.slow(float(data.get("seconds", 1.0)))
        if kind == "response":
            return cls.respond(int(data.get("status", 200)), data.get("body"), data.get("headers"))
        if kind == "side_effect":
            return cls.side_effect(str(data["command"]), dict(data.get("fields") or {}))
        if kind == "raw":
            return cls.raw(
                int(data.get("status", 200)), str(data.get("body", "")), str(data.get("content_type", "text/html"))
            )
        return cls(kind)


@dataclass
class _Rule:
    fault: Fault
    method: str | None
    path: re.Pattern[str] | None
    times: int


class Faults:
    """Scripted faults: by request position (:meth:`at`) or by method and path (:meth:`add`).

    Positions are the 1-based sequence numbers of API requests (``LoggedRequest.seq``), counted
    since start or the last :meth:`Emulator.reset`. One fault applies per request; position
    faults win over route faults, and route faults apply in the order they were added.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at: dict[int, Fault] = {}
        self._rules: list[_Rule] = []

    def at(self, position: int, fault: Fault) -> None:
        with self._lock:
            self._at[position] = fault

    def add(self, fault: Fault, *, method: str | None = None, path: str | None = None, times: int = 1) -> None:
        """The next ``times`` requests matching ``method`` and ``path`` (a regex searched in the
        path below the base path, e.g. ``r"/guilds/\\d+/commands$"``) get ``fault``."""
        rule = _Rule(fault, method.upper() if method else None, re.compile(path) if path else None, times)
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._at.clear()
            self._rules.clear()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._at) + sum(r.times for r in self._rules)

    def take(self, seq: int, method: str, path: str) -> Fault | None:
        with self._lock:
            if seq in self._at:
                return self._at.pop(seq)
            for rule in self._rules:
                if rule.method and rule.method != method:
                    continue
                if rule.path and not rule.path.search(path):
                    continue
                rule.times -= 1
                if rule.times <= 0:
                    self._rules.remove(rule)
                return rule.fault
        return None


@dataclass
class LoggedRequest:
    """One API request as the emulator saw it. ``status`` is None when no answer was sent."""

    seq: int
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names; the Authorization value is redacted
    body: Any
    status: int | None = None
    fault: str | None = None
    elapsed: float = 0.0
    applied: bool = False  # a write changed the state
    caller: str | None = None  # the application whose credential was sent (None: no known one)

    @property
    def user_agent(self) -> str | None:
        return self.headers.get("user-agent")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    applied: bool = False


# ---------------------------------------------------------------------------------------------
# state


@dataclass
class _Bucket:
    key: str
    limit: int
    remaining: int
    reset_at: float  # monotonic


@dataclass
class _App:
    app_id: str
    token: str
    global_commands: list[dict[str, Any]] = field(default_factory=list)
    guild_commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    installed: set[str] = field(default_factory=set)  # in the guild with applications.commands
    members: set[str] = field(default_factory=set)  # in the guild (the bot), with or without that scope
    member_order: list[int] | None = None  # members sorted by ID, for paging; None: to be rebuilt
    client_secret: str | None = None  # the OAuth2 client secret; None: no client-credentials grant
    scopes: frozenset[str] = frozenset({COMMANDS_SCOPE, "identify"})  # what the grant may give (a team app's)
    activity: bool = False  # Activities enabled: Discord created its "Launch" entry point
    new_app: bool = False  # global commands get NEW_APP_DEFAULTS for the fields a write leaves out


@dataclass(frozen=True)
class _Grant:
    """A Bearer token from the client-credentials grant: its application, scopes and expiry (emulator clock)."""

    app_id: str
    scopes: frozenset[str]
    expires_at: float


class Emulator:
    """The emulator. Use as a context manager, or :meth:`start` / :meth:`stop`."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        base_path: str = DEFAULT_BASE_PATH,
        bucket_limit: int = 50,
        bucket_window: float = 1.0,
        global_limit: int | None = None,
        daily_create_limit: int = 200,
        strict_user_agent: bool = False,
        clock: Callable[[], float] = time.time,
        activity: bool = False,
        new_app: bool = False,
        rate_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not is_loopback(host):
            # It holds tokens and answers anyone who can reach it: never beyond this machine.
            raise ValueError(f"the emulator listens on loopback only (127.0.0.1 or localhost), not {host!r}")
        self.host = host
        self.port = port
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self.bucket_limit = bucket_limit
        self.bucket_window = bucket_window
        self.global_limit = global_limit  # requests per second over all routes; None = off
        self.daily_create_limit = daily_create_limit
        self.strict_user_agent = strict_user_agent  # require "DiscordBot (url, version)"
        self.clock = clock  # wall clock for the daily create window
        # What every application added here is like (add_application can say otherwise per app): one with an
        # Activity (its auto-created entry point), one created recently (other defaults).
        self.activity = activity
        self.new_app = new_app
        self.rate_clock = rate_clock  # the rate limits' clock (tests share a fake one with the client)
        self.faults = Faults()
        self._lock = threading.RLock()
        self._apps: dict[str, _App] = {}
        self._guilds: set[str] = set()
        self._log: list[LoggedRequest] = []
        self._seq = 0
        self._snowflakes = 0
        self._buckets: dict[tuple[str, ...], _Bucket] = {}
        self._global_window: tuple[float, int] = (0.0, 0)
        self._global_until = 0.0
        self._creates: dict[tuple[str, str | None], deque[float]] = {}
        self._grants: dict[str, _Grant] = {}  # Bearer token -> grant
        self.bearer_lifetime = BEARER_LIFETIME
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        # Called (under the lock) after every change of the state a snapshot holds: a persistent local
        # Discord (emulator_state.py) saves it there.
        self.on_change: Callable[[], None] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Emulator:
        if self._server is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"emulator": self})
        server = ThreadingHTTPServer((self.host, self.port), handler)
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="discord-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:  # idle keep-alive connections would otherwise linger
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def foreign(self, host: str | None, origin: str | None) -> str | None:
        """Why a request is not from this machine's own clients, or None: its ``Host`` names another server (a
        DNS-rebound page), or its ``Origin`` is a web page's. A browser sends ``Origin`` with a cross-origin POST,
        even a "simple" one it sends without asking first."""
        mine = {f"{name}:{self.port}" for name in ("127.0.0.1", "localhost", self.host.lower())}
        if host is None or host.lower() not in mine:
            return f"Host {host!r} is not this emulator's"
        if origin is not None and origin.lower() not in {f"http://{name}" for name in mine}:
            return f"Origin {origin!r} is another site's"
        return None

    @property
    def url(self) -> str:
        """Base URL of the API, e.g. ``http://127.0.0.1:PORT/api/v10``."""
        return self.root_url + self.base_path

    # -- setup -----------------------------------------------------------------------------

    def add_application(
        self, app_id: str, token: str, *, activity: bool | None = None, new_app: bool | None = None
    ) -> None:
        """Register an application (or give a known one its token). ``activity``: Activities are enabled, so
        Discord has created its "Launch" entry point (AC:1046), as it does when they are switched on for an app
        that has commands already; ``new_app``: see :data:`NEW_APP_DEFAULTS`. None: as the app already is (a
        restored state), else the emulator's setting."""
        with self._lock:
            app = self._apps.get(app_id)
            if app is None:
                app = self._apps[app_id] = _App(app_id, token, new_app=self.new_app)
                activity = self.activity if activity is None else activity
            app.token = token
            if new_app is not None:
                app.new_app = new_app
            if activity:
                app.activity = True
                self._enable_activity(app)

    def _enable_activity(self, app: _App) -> None:
        """Create the default entry point unless the app has one (there is at most one)."""
        if any(c["type"] == checks.PRIMARY_ENTRY_POINT for c in app.global_commands):
            return
        app.global_commands = [*app.global_commands, self._store(app.app_id, None, LAUNCH_COMMAND, None)]
        self._changed()

    def add_client_secret(self, app_id: str, secret: str, scopes: Iterable[str] | None = None) -> None:
        """Give ``app_id`` an OAuth2 client secret; ``scopes``: what its client-credentials grant may give
        (default: identify and applications.commands.update, a team application's limit, oauth2.mdx:246)."""
        with self._lock:
            app = self._app(app_id)
            app.client_secret = secret
            if scopes is not None:
                app.scopes = frozenset(scopes)

    @property
    def bearer_tokens(self) -> dict[str, str]:
        """Every Bearer token handed out so far → its application (for tests that hunt for leaks)."""
        with self._lock:
            return {token: grant.app_id for token, grant in self._grants.items()}

    def add_guild(self, app_id: str, guild_id: str, installed: bool = True, *, member: bool | None = None) -> None:
        """Make ``guild_id`` exist; ``installed``: the app is in it with ``applications.commands``; ``member``
        (default: ``installed``): the bot is in it, so ``GET /users/@me/guilds`` lists it (with ``installed``
        False: a guild the bot joined without the scope, whose command routes answer 403 50001)."""
        member = installed if member is None else member or installed
        with self._lock:
            app = self._app(app_id)
            before = (guild_id in self._guilds, guild_id in app.installed, guild_id in app.members)
            self._guilds.add(guild_id)
            if installed:
                app.installed.add(guild_id)
            else:
                app.installed.discard(guild_id)
            if member:
                app.members.add(guild_id)
            else:
                app.members.discard(guild_id)
            app.member_order = None
            if before != (True, installed, member):
                self._changed()

    def add_fleet(
        self,
        app_id: str,
        count: int,
        *,
        with_commands: int = 0,
        without_scope: int = 0,
        commands: Sequence[Mapping[str, Any]] = ({"name": "leftover", "description": "Synced on start-up once"},),
    ) -> list[str]:
        """A bot's fleet: ``count`` guilds (IDs from :data:`FLEET_BASE`), ``without_scope`` of them joined without
        ``applications.commands``, ``with_commands`` others holding ``commands``; both spread evenly over the
        IDs. Returns the guild IDs in ID order. Seeding spends no rate limit and no daily budget."""
        if with_commands + without_scope > count:
            raise ValueError("with_commands + without_scope exceeds count")
        ids = [str(FLEET_BASE + i) for i in range(count)]
        no_scope = {ids[i * count // without_scope] for i in range(without_scope)} if without_scope else set()
        rest = [g for g in ids if g not in no_scope]
        holding = {rest[i * len(rest) // with_commands] for i in range(with_commands)} if with_commands else set()
        with self._lock:
            for guild in ids:
                self.add_guild(app_id, guild, installed=guild not in no_scope, member=True)
            for guild in sorted(holding):
                self.set_commands(app_id, guild, commands)
        return ids

    def _guild_page(self, app: _App, query: Mapping[str, list[str]]) -> _Reply:
        """``GET /users/@me/guilds``: partial guild objects by ascending ID after ``after`` (user.mdx)."""
        raw_limit = query.get("limit", [str(GUILDS_PAGE)])[-1]
        after = query.get("after", ["0"])[-1] or "0"
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= GUILDS_PAGE or not after.isdigit():
            field_name = "limit" if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= GUILDS_PAGE else "after"
            error = {"code": "NUMBER_TYPE_MAX", "message": f"{field_name} is out of range (limit 1-{GUILDS_PAGE})"}
            return _Reply(400, _err(50035, "Invalid Form Body", errors={field_name: {"_errors": [error]}}))
        if app.member_order is None:
            app.member_order = sorted(int(g) for g in app.members)
        start = bisect_right(app.member_order, int(after))
        page = app.member_order[start : start + int(raw_limit)]
        return _Reply(
            200,
            [
                {"id": str(g), "name": f"guild {g}", "icon": None, "owner": False, "permissions": "0", "features": []}
                for g in page
            ],
        )

    def snapshot(self) -> dict[str, Any]:
        """What a real Discord keeps between runs: applications (without tokens), guilds, commands with their IDs
        and versions, the ID counter and the daily create windows. JSON-ready; :meth:`restore` reads it back."""
        with self._lock:
            return {
                "applications": {
                    app.app_id: {
                        "global": app.global_commands,
                        "guilds": app.guild_commands,
                        "installed": sorted(app.installed),
                        "activity": app.activity,
                        "new_app": app.new_app,
                        "members": sorted(app.members),
                    }
                    for app in self._apps.values()
                },
                "guilds": sorted(self._guilds),
                "snowflakes": self._snowflakes,
                "creates": [
                    {"application_id": app_id, "guild_id": guild_id, "times": list(self._window(app_id, guild_id))}
                    for (app_id, guild_id) in list(self._creates)
                    if self._window(app_id, guild_id)
                ],
            }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Replace the state with a :meth:`snapshot`. Applications unknown here get no token until
        :meth:`add_application` gives them one. Raises KeyError/TypeError/ValueError on a malformed snapshot."""
        with self._lock:
            for app_id, saved in state["applications"].items():
                app = self._apps.get(app_id) or _App(str(app_id), "")
                app.global_commands = [dict(c) for c in saved["global"]]
                app.guild_commands = {str(g): [dict(c) for c in cmds] for g, cmds in saved["guilds"].items()}
                app.installed = {str(g) for g in saved["installed"]}
                app.activity = bool(saved.get("activity", False))  # absent from older state files
                app.new_app = bool(saved.get("new_app", False))
                app.members = {str(g) for g in saved.get("members", saved["installed"])}
                app.member_order = None
                self._apps[app.app_id] = app
            self._guilds = {str(g) for g in state["guilds"]}
            self._snowflakes = int(state["snowflakes"])
            self._creates = {
                (str(w["application_id"]), None if w["guild_id"] is None else str(w["guild_id"])): deque(
                    float(t) for t in w["times"]
                )
                for w in state["creates"]
            }

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def _app(self, app_id: str) -> _App:
        try:
            return self._apps[app_id]
        except KeyError:
            raise KeyError(f"unknown application {app_id}: call add_application first") from None

    def commands(
        self, app_id: str, guild_id: str | None = None, *, with_localizations: bool = True
    ) -> list[dict[str, Any]]:
        """The scope's commands as GET returns them."""
        with self._lock:
            return [
                checks.render_command(c, with_localizations=with_localizations)
                for c in self._scope(self._app(app_id), guild_id)
            ]

    def set_commands(
        self, app_id: str, guild_id: str | None, commands: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Seed a scope (no rate limit, no daily budget). Items may carry ``id``/``version`` to pin them.

        Raises ValueError with Discord's error tree when Discord would refuse the list.
        """
        body = [dict(c) for c in commands]
        with self._lock:
            app = self._app(app_id)
            if guild_id is not None:
                self._guilds.add(guild_id)
                app.installed.add(guild_id)
                if guild_id not in app.members:
                    app.members.add(guild_id)
                    app.member_order = None
            tree = checks.check_bulk(body, guild=guild_id is not None)
            if tree:
                raise ValueError(f"Discord would refuse these commands: {json.dumps(tree)}")
            stored = []
            for item in body:
                cmd = self._store(app_id, guild_id, item, item.get("id") and str(item["id"]))
                if item.get("version"):
                    cmd["version"] = str(item["version"])
                stored.append(cmd)
            self._set_scope(app, guild_id, stored)
            self._changed()
            return [checks.render_command(c, with_localizations=True) for c in stored]

    def daily_creates(self, app_id: str, guild_id: str | None = None) -> int:
        """Creates spent in the last 24 h for that scope."""
        with self._lock:
            return len(self._window(app_id, guild_id))

    def set_daily_creates(self, app_id: str, guild_id: str | None, count: int) -> None:
        """Pretend ``count`` creates were spent just now in that scope (e.g. 199 to test the limit)."""
        with self._lock:
            now = self.clock()
            self._creates[(app_id, guild_id)] = deque([now] * count)
            self._changed()

    @property
    def requests(self) -> list[LoggedRequest]:
        """The request log (a copy), oldest first. Control requests are not logged."""
        with self._lock:
            return list(self._log)

    def reset(self) -> None:
        """Forget commands, log, faults, buckets, daily budgets and ID counters; keep apps, guilds, settings."""
        with self._lock:
            for app in self._apps.values():
                app.global_commands = []
                app.guild_commands = {}
            self._log.clear()
            self._seq = 0
            self._snowflakes = 0
            self._buckets.clear()
            self._global_window = (0.0, 0)
            self._global_until = 0.0
            self._creates.clear()
            for app in self._apps.values():
                if app.activity:  # Discord's own entry point is part of the app, not of a deploy
                    self._enable_activity(app)
            self._changed()
        self.faults.clear()

    # -- helpers ---------------------------------------------------------------------------

    def next_snowflake(self) -> str:
        with self._lock:
            self._snowflakes += 1
            ms = SNOWFLAKE_BASE_MS + self._snowflakes
            return str(((ms - DISCORD_EPOCH_MS) << 22) | (self._snowflakes & 0xFFF))

    def _scope(self, app: _App, guild_id: str | None) -> list[dict[str, Any]]:
        return app.global_commands if guild_id is None else app.guild_commands.get(guild_id, [])

    def _set_scope(self, app: _App, guild_id: str | None, cmds: list[dict[str, Any]]) -> None:
        if guild_id is None:
            app.global_commands = cmds
        else:
            app.guild_commands[guild_id] = cmds

    def _window(self, app_id: str, guild_id: str | None) -> deque[float]:
        window = self._creates.setdefault((app_id, guild_id), deque())
        cutoff = self.clock() - DAY
        while window and window[0] <= cutoff:
            window.popleft()
        return window

    def _store(self, app_id: str, guild_id: str | None, item: Mapping[str, Any], cmd_id: str | None) -> dict[str, Any]:
        cmd = checks.normalize_command(item, guild=guild_id is not None)
        if guild_id is None and self._apps[app_id].new_app:
            for key, default in NEW_APP_DEFAULTS.items():
                if cmd[key] is None:
                    cmd[key] = list(default)
        if guild_id is None and item.get("dm_permission") is None and cmd.get("contexts") is not None:
            # One fact twice (AC:35, deprecated for contexts): a command sent contexts alone is usable in the bot's
            # DMs exactly when they hold 1 (BOT_DM), and its dm_permission says so.
            cmd["dm_permission"] = 1 in cmd["contexts"]
        cmd["id"] = cmd_id or self.next_snowflake()
        cmd["application_id"] = app_id
        cmd["version"] = self.next_snowflake()
        if guild_id is not None:
            cmd["guild_id"] = guild_id
        return cmd

    # -- rate limits -----------------------------------------------------------------------

    def _bucket(self, method: str, template: str, app_id: str, guild_id: str | None) -> _Bucket:
        key = (method, template, app_id, guild_id or "")
        now = self.rate_clock()
        bucket = self._buckets.get(key)
        if bucket is None or now >= bucket.reset_at:
            digest = hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:32]  # an opaque id, not security
            bucket = _Bucket(digest, self.bucket_limit, self.bucket_limit, now + self.bucket_window)
            self._buckets[key] = bucket
        return bucket

    def _bucket_headers(self, bucket: _Bucket) -> dict[str, str]:
        after = max(0.0, bucket.reset_at - self.rate_clock())
        return {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(bucket.remaining),
            "X-RateLimit-Reset": f"{time.time() + after:.3f}",
            "X-RateLimit-Reset-After": f"{after:.3f}",
            "X-RateLimit-Bucket": bucket.key,
        }

    @staticmethod
    def _limited(retry_after: float, *, is_global: bool, headers: dict[str, str], code: int | None = None) -> _Reply:
        retry_after = round(max(retry_after, 0.001), 3)
        body: dict[str, Any] = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        if code is not None:
            body["code"] = code
        hdrs = dict(headers)
        hdrs["Retry-After"] = str(math.ceil(retry_after))
        hdrs["X-RateLimit-Scope"] = "global" if is_global else "user"
        if is_global:
            hdrs["X-RateLimit-Global"] = "true"
        return _Reply(429, body, hdrs)

    def _rate_limit(self, bucket: _Bucket) -> _Reply | None:
        now = self.rate_clock()
        if self._global_until > now:
            return self._limited(self._global_until - now, is_global=True, headers=self._bucket_headers(bucket))
        if self.global_limit is not None:
            start, count = self._global_window
            if now - start >= 1.0:
                start, count = now, 0
            if count >= self.global_limit:
                self._global_until = start + 1.0
                return self._limited(start + 1.0 - now, is_global=True, headers=self._bucket_headers(bucket))
            self._global_window = (start, count + 1)
        if bucket.remaining <= 0:
            return self._limited(bucket.reset_at - now, is_global=False, headers=self._bucket_headers(bucket))
        bucket.remaining -= 1
        return None

    def _fault_429(self, fault: Fault, bucket: _Bucket | None) -> _Reply:
        now = self.rate_clock()
        if fault.kind == "global_rate_limit":
            self._global_until = max(self._global_until, now + fault.retry_after)
        elif bucket is not None:
            bucket.remaining = 0  # the bucket really stays shut for retry_after, then refills
            bucket.reset_at = now + fault.retry_after
        headers = self._bucket_headers(bucket) if bucket is not None else {}
        return self._limited(
            fault.retry_after, is_global=fault.kind == "global_rate_limit", headers=headers, code=fault.code
        )

    # -- the API ---------------------------------------------------------------------------

    def _route(self, method: str, path: str) -> tuple[_Reply | None, re.Match[str] | None, str]:
        if not path.startswith(self.base_path + "/"):
            return _Reply(404, NOT_FOUND), None, ""
        rel = path[len(self.base_path) :]
        for pattern, template, methods in _ROUTES:
            m = pattern.match(rel)
            if m:
                if method not in methods:
                    return _Reply(405, METHOD_NOT_ALLOWED), None, template
                return None, m, template
        return _Reply(404, NOT_FOUND), None, ""

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        raw: bytes,
        fault: Fault | None = None,
    ) -> _Reply:
        """Process one API request (already past the connection-level faults)."""
        with self._lock:
            if path == self.base_path + TOKEN_ROUTE:
                return self._token(method, headers, raw)
            if path == self.base_path + GUILDS_ROUTE:
                return self._guilds_route(method, query, headers)
            reply, match, template = self._route(method, path)
            if (reply is not None or match is None) and self._bearer(headers) is not None:
                return _Reply(401, UNAUTHORIZED)  # a commands-only token opens no other route
            if reply is not None or match is None:
                return reply or _Reply(404, NOT_FOUND)
            app_id, guild_id, cmd_id = match.group("app"), match.groupdict().get("guild"), match.groupdict().get("cmd")
            bucket = self._bucket(method, template, app_id, guild_id)
            if fault is not None and fault.kind in ("rate_limit", "global_rate_limit"):
                return self._fault_429(fault, bucket)
            reply = self._serve(method, app_id, guild_id, cmd_id, query, headers, raw, bucket)
            if fault is not None and fault.kind == "side_effect" and reply.applied:
                self._side_effect(self._app(app_id), guild_id, fault)
            for name, value in self._bucket_headers(bucket).items():
                reply.headers.setdefault(name, value)
            if reply.applied:
                self._changed()
            return reply

    def _side_effect(self, app: _App, guild_id: str | None, fault: Fault) -> None:
        scope = self._scope(app, guild_id)
        changed = [
            {**c, **fault.body, "version": self.next_snowflake()} if c["name"] == fault.command else c for c in scope
        ]
        self._set_scope(app, guild_id, changed)

    def _guilds_route(self, method: str, query: Mapping[str, list[str]], headers: Mapping[str, str]) -> _Reply:
        if method != "GET":
            return _Reply(405, METHOD_NOT_ALLOWED)
        scheme, _, token = headers.get("authorization", "").partition(" ")
        # A bot token only: a client-credentials Bearer token has no guilds scope.
        app = next((a for a in self._apps.values() if scheme == "Bot" and token and a.token == token), None)
        if app is None:
            return _Reply(401, UNAUTHORIZED)
        if not headers.get("user-agent", "").strip():
            return _Reply(403, BLOCKED)
        bucket = self._bucket("GET", GUILDS_ROUTE, app.app_id, None)
        reply = self._rate_limit(bucket) or self._guild_page(app, query)
        for name, value in self._bucket_headers(bucket).items():
            reply.headers.setdefault(name, value)
        return reply

    def _serve(
        self,
        method: str,
        app_id: str,
        guild_id: str | None,
        cmd_id: str | None,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        raw: bytes,
        bucket: _Bucket,
    ) -> _Reply:
        ua = headers.get("user-agent", "").strip()
        if not ua or (self.strict_user_agent and not re.match(r"^DiscordBot \(\S+, \S+\)", ua)):
            return _Reply(403, BLOCKED)
        limited = self._rate_limit(bucket)
        if limited is not None:
            return limited

        caller = self._authorized(headers)
        if caller is None:
            return _Reply(401, UNAUTHORIZED)
        if caller.app_id != app_id:
            return _Reply(403, NOT_AUTHORIZED_APP)
        app = caller
        if guild_id is not None:
            if guild_id not in self._guilds:
                return _Reply(404, UNKNOWN_GUILD)
            if guild_id not in app.installed:
                return _Reply(403, MISSING_ACCESS)
        scope = self._scope(app, guild_id)
        target = None
        if cmd_id is not None:
            target = next((c for c in scope if c["id"] == cmd_id), None)
            if target is None:
                return _Reply(404, UNKNOWN_COMMAND)

        if method == "GET":
            flag = query.get("with_localizations", ["false"])[-1].lower() in ("true", "1")
            if target is not None:
                return _Reply(200, checks.render_command(target, with_localizations=flag))
            return _Reply(200, [checks.render_command(c, with_localizations=flag) for c in scope])
        if method == "DELETE":
            assert target is not None
            self._set_scope(app, guild_id, [c for c in scope if c is not target])
            return _Reply(204, None, applied=True)

        try:
            body = json.loads(raw.decode("utf-8")) if raw.strip() else None
        except (UnicodeDecodeError, ValueError):
            return _Reply(400, INVALID_JSON)
        if body is None:
            return _Reply(400, INVALID_JSON)
        if method == "PUT":
            return self._put(app, guild_id, scope, body)
        if method == "POST":
            return self._post(app, guild_id, scope, body)
        assert target is not None
        return self._patch(app, guild_id, scope, target, body)

    def _invalid(self, tree: checks.ErrorTree) -> _Reply:
        return _Reply(400, _err(50035, "Invalid Form Body", errors=tree))

    def _over_count(self, cmds: Iterable[Mapping[str, Any]]) -> _Reply | None:
        counts: dict[int, int] = {}
        for c in cmds:
            t = checks.command_type(c)
            counts[t] = counts.get(t, 0) + 1
        for t, n in counts.items():
            limit = checks.MAX_PER_TYPE.get(t, 0)
            if n > limit:
                return _Reply(400, max_commands_error(limit))
        return None

    def _spend(self, app_id: str, guild_id: str | None, creates: int) -> _Reply | None:
        window = self._window(app_id, guild_id)
        if creates and len(window) + creates > self.daily_create_limit:
            return _Reply(400, daily_limit_error(self.daily_create_limit))
        now = self.clock()
        window.extend([now] * creates)
        return None

    def _put(self, app: _App, guild_id: str | None, scope: list[dict[str, Any]], body: Any) -> _Reply:
        tree = checks.check_bulk(body, guild=guild_id is not None)
        if tree:
            return self._invalid(tree)
        by_id = {c["id"]: c for c in scope}
        claimed: set[str] = set()
        ids: list[str | None] = []
        for item in body:
            if item.get("id") is not None:  # a rename keeps the command's ID
                sid = str(item["id"])
                if sid not in by_id or sid in claimed:
                    return _Reply(404, UNKNOWN_COMMAND)
                claimed.add(sid)
                ids.append(sid)
            else:
                ids.append(None)
        for i, item in enumerate(body):
            if ids[i] is None:
                key = (checks.command_type(item), item["name"])
                match = next((c for c in scope if (c["type"], c["name"]) == key and c["id"] not in claimed), None)
                if match is not None:
                    claimed.add(match["id"])
                    ids[i] = match["id"]
        entry_point = next((c for c in scope if c["type"] == checks.PRIMARY_ENTRY_POINT), None)
        if entry_point is not None and entry_point["id"] not in claimed:
            return _Reply(400, ENTRY_POINT_KEPT)
        limited = self._over_count(body)
        if limited is not None:
            return limited
        refused = self._spend(app.app_id, guild_id, sum(1 for x in ids if x is None))
        if refused is not None:
            return refused
        # Every command gets a new version, changed or not: a PUT is never a no-op.
        stored = [self._store(app.app_id, guild_id, item, ids[i]) for i, item in enumerate(body)]
        self._set_scope(app, guild_id, stored)
        return _Reply(200, [checks.render_command(c, with_localizations=True) for c in stored], applied=True)

    def _post(self, app: _App, guild_id: str | None, scope: list[dict[str, Any]], body: Any) -> _Reply:
        tree = checks.check_single(body, guild=guild_id is not None)
        if tree:
            return self._invalid(tree)
        key = (checks.command_type(body), body["name"])
        existing = next((c for c in scope if (c["type"], c["name"]) == key), None)
        if existing is not None:  # upsert by name
            cmd = self._store(app.app_id, guild_id, body, existing["id"])
            self._set_scope(app, guild_id, [cmd if c is existing else c for c in scope])
            return _Reply(200, checks.render_command(cmd, with_localizations=True), applied=True)
        limited = self._over_count([*scope, body])
        if limited is not None:
            return limited
        refused = self._spend(app.app_id, guild_id, 1)
        if refused is not None:
            return refused
        cmd = self._store(app.app_id, guild_id, body, None)
        self._set_scope(app, guild_id, [*scope, cmd])
        return _Reply(201, checks.render_command(cmd, with_localizations=True), applied=True)

    def _patch(
        self, app: _App, guild_id: str | None, scope: list[dict[str, Any]], target: dict[str, Any], body: Any
    ) -> _Reply:
        if not isinstance(body, Mapping):
            return self._invalid({"_errors": [checks.not_dict()]})
        merged = checks.as_request(target)
        merged.update({k: v for k, v in body.items() if k not in ("id", "type", "application_id", "version")})
        tree = checks.check_single(merged, guild=guild_id is not None)
        if tree:
            return self._invalid(tree)
        key = (target["type"], merged["name"])
        if any((c["type"], c["name"]) == key and c is not target for c in scope):
            return _Reply(400, NAME_EXISTS)
        cmd = self._store(app.app_id, guild_id, merged, target["id"])
        self._set_scope(app, guild_id, [cmd if c is target else c for c in scope])
        return _Reply(200, checks.render_command(cmd, with_localizations=True), applied=True)

    # -- OAuth2: the client-credentials grant and Bearer tokens ----------------------------------

    def _token(self, method: str, headers: Mapping[str, str], raw: bytes) -> _Reply:
        """``POST /oauth2/token``: Discord's answers, in OAuth2's error vocabulary (``{"error": ...}``)."""
        if method != "POST":
            return _Reply(405, METHOD_NOT_ALLOWED)
        form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
        app = self._basic(headers) or self._client(form.get("client_id"), form.get("client_secret"))
        if app is None:
            return _Reply(401, {"error": "invalid_client"})
        if form.get("grant_type") != "client_credentials":
            return _Reply(400, {"error": "unsupported_grant_type"})
        scopes = frozenset(form.get("scope", "").split())
        if not scopes or not scopes <= app.scopes:
            return _Reply(400, {"error": "invalid_scope"})
        token = secrets.token_urlsafe(24)
        self._grants[token] = _Grant(app.app_id, scopes, self.clock() + self.bearer_lifetime)
        body = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(self.bearer_lifetime),
            "scope": " ".join(sorted(scopes)),
        }
        return _Reply(200, body)

    def _client(self, app_id: str | None, secret: str | None) -> _App | None:
        app = self._apps.get(app_id or "")
        if app is None or not app.client_secret or not secret:
            return None
        return app if secrets.compare_digest(app.client_secret, secret) else None

    def _basic(self, headers: Mapping[str, str]) -> _App | None:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            app_id, _, secret = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return self._client(app_id, secret)

    def _bearer(self, headers: Mapping[str, str]) -> _Grant | None:
        """The grant of a Bearer token still valid by the emulator's clock."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        grant = self._grants.get(token) if scheme == "Bearer" and token else None
        return grant if grant is not None and self.clock() < grant.expires_at else None

    def _authorized(self, headers: Mapping[str, str]) -> _App | None:
        """The application a command request acts as: its bot token, or a valid Bearer token with the scope."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme == "Bot":
            return next((a for a in self._apps.values() if token and a.token == token), None)
        grant = self._bearer(headers)
        if grant is None or COMMANDS_SCOPE not in grant.scopes:
            return None
        return self._apps.get(grant.app_id)

    def _caller(self, headers: Mapping[str, str]) -> str | None:
        """For the log: the application whose credential was sent (bot token, Bearer token or client secret)."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme == "Bearer":
            grant = self._grants.get(token)
            return grant.app_id if grant is not None else None
        if scheme.lower() == "basic":
            app = self._basic(headers)
            return app.app_id if app is not None else None
        return next((a.app_id for a in self._apps.values() if scheme == "Bot" and token and a.token == token), None)

    # -- the request log -------------------------------------------------------------------

    def _begin(
        self, method: str, path: str, query: dict[str, list[str]], headers: Mapping[str, str], raw: bytes
    ) -> LoggedRequest:
        logged_headers = {k.lower(): v for k, v in headers.items()}
        with self._lock:  # which application sent it, so tests can prove a token only reaches its own application
            caller = self._caller(logged_headers)
        if "authorization" in logged_headers:
            scheme = logged_headers["authorization"].partition(" ")[0]
            logged_headers["authorization"] = f"{scheme} <redacted>"
        try:
            body: Any = json.loads(raw.decode("utf-8")) if raw.strip() else None
        except (UnicodeDecodeError, ValueError):
            body = raw.decode("utf-8", "replace")
        with self._lock:
            self._seq += 1
            entry = LoggedRequest(self._seq, method, path, query, logged_headers, body, caller=caller)
            self._log.append(entry)
        return entry

    # -- control API (for an out-of-process emulator) ----------------------------------------

    def control(self, method: str, path: str, query: Mapping[str, list[str]], raw: bytes) -> _Reply:
        try:
            data: Any = json.loads(raw.decode("utf-8")) if raw.strip() else None
        except (UnicodeDecodeError, ValueError):
            return _Reply(400, {"message": "invalid JSON"})
        op = path[len(CONTROL_PREFIX) :]
        try:
            if op == "/faults" and method == "POST":
                for spec in data if isinstance(data, list) else [data]:
                    fault = Fault.from_json(spec)
                    if spec.get("at") is not None:
                        self.faults.at(int(spec["at"]), fault)
                    else:
                        self.faults.add(
                            fault, method=spec.get("method"), path=spec.get("path"), times=int(spec.get("times", 1))
                        )
                return _Reply(200, {"pending": self.faults.pending})
            if op == "/faults" and method == "DELETE":
                self.faults.clear()
                return _Reply(204)
            if op == "/requests" and method == "GET":
                return _Reply(200, [r.to_dict() for r in self.requests])
            if op == "/reset" and method == "POST":
                self.reset()
                return _Reply(204)
            if op == "/applications" and method == "POST":
                self.add_application(
                    str(data["id"]), str(data["token"]), activity=data.get("activity"), new_app=data.get("new_app")
                )
                if data.get("client_secret"):
                    self.add_client_secret(str(data["id"]), str(data["client_secret"]))
                return _Reply(204)
            if op == "/guilds" and method == "POST":
                self.add_guild(str(data["application_id"]), str(data["guild_id"]), bool(data.get("installed", True)))
                return _Reply(204)
            if op == "/commands" and method == "GET":
                app_id = query.get("application_id", [""])[-1]
                guild = query.get("guild_id", [None])[-1]
                return _Reply(200, self.commands(app_id, guild))
            if op == "/commands" and method == "PUT":
                return _Reply(
                    200, self.set_commands(str(data["application_id"]), data.get("guild_id"), data["commands"])
                )
            if op == "/config" and method in ("PUT", "PATCH"):
                for key in ("bucket_limit", "bucket_window", "global_limit", "daily_create_limit", "strict_user_agent"):
                    if key in data:
                        setattr(self, key, data[key])
                return _Reply(204)
            if op == "/fleet" and method == "POST":
                ids = self.add_fleet(
                    str(data["application_id"]),
                    int(data["count"]),
                    with_commands=int(data.get("with_commands", 0)),
                    without_scope=int(data.get("without_scope", 0)),
                    **({"commands": data["commands"]} if data.get("commands") else {}),
                )
                return _Reply(200, {"guilds": len(ids), "first": ids[0] if ids else None})
            if op == "/daily-creates" and method == "PUT":
                self.set_daily_creates(str(data["application_id"]), data.get("guild_id"), int(data["count"]))
                return _Reply(204)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            return _Reply(400, {"message": f"bad control request: {exc}"})
        return _Reply(404, {"message": f"no control operation {method} {path}"})


# ---------------------------------------------------------------------------------------------
# HTTP plumbing


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "discord-emulator"
    sys_version = ""
    timeout = 60  # idle keep-alive connections end eventually
    emulator: ClassVar[Emulator]

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle + delayed ACK cost 40 ms.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.emulator._lock:
            self.emulator._connections.add(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        with self.emulator._lock:
            self.emulator._connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _read_body(self, limit: int) -> bytes | _Reply:
        """The body, or the refusal to read it: an oversized body is never read (memory stays flat), and the
        connection is closed after the answer (the unread bytes would be taken for the next request)."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return _Reply(411, {"message": "send the body with a Content-Length, not chunked", "code": 0})
        text = (self.headers.get("Content-Length") or "0").strip()
        if not text.isdigit():
            self.close_connection = True
            return _Reply(400, {"message": f"bad Content-Length {text[:20]!r}", "code": 0})
        length = int(text)
        if length > limit:
            self.close_connection = True
            return _Reply(
                413, {"message": f"request body of {length:,} bytes; at most {limit:,} are accepted", "code": 0}
            )
        return self.rfile.read(length) if length > 0 else b""

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, reply: _Reply) -> None:
        payload = b"" if reply.body is None or reply.status == 204 else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        if self.close_connection:
            self.send_header("Connection", "close")
        if payload:
            self.send_header("Content-Type", "application/json")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    def _send_raw(self, status: int, payload: bytes, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _handle(self) -> None:
        emu = self.emulator
        started = time.monotonic()
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        method = self.command.upper()
        control = split.path.startswith(CONTROL_PREFIX + "/")
        refused = emu.foreign(self.headers.get("Host"), self.headers.get("Origin"))
        if refused is not None:  # before the body is read: a refused request costs nothing
            self.close_connection = True
            self._send(_Reply(403, {"message": f"refused: {refused}; this is a local service", "code": 0}))
            return
        raw = self._read_body(MAX_CONTROL_BODY_BYTES if control else MAX_BODY_BYTES)
        if isinstance(raw, _Reply):
            self._send(raw)
            return
        if control:
            self._send(emu.control(method, split.path, query, raw))
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        entry = emu._begin(method, split.path, query, headers, raw)
        rel = split.path[len(emu.base_path) :] if split.path.startswith(emu.base_path) else split.path
        fault = emu.faults.take(entry.seq, method, rel)
        entry.fault = fault.kind if fault else None
        try:
            if fault is not None and fault.kind == "drop":
                self._drop()
                return
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.seconds)
            if fault is not None and fault.kind == "raw":
                entry.status = fault.status
                self._send_raw(fault.status, str(fault.body).encode("utf-8"), dict(fault.headers or {}))
                return
            if fault is not None and fault.kind == "status":
                reply = _Reply(fault.status, {"message": f"{fault.status}: Emulated server error", "code": 0})
            elif fault is not None and fault.kind == "response":
                reply = _Reply(fault.status, fault.body, dict(fault.headers or {}))
            else:
                reply = emu.handle(method, split.path, query, headers, raw, fault)
            entry.applied = reply.applied
            if fault is not None and fault.kind == "drop_after_write":
                self._drop()
                return
            entry.status = reply.status
            self._send(reply)
        finally:
            entry.elapsed = time.monotonic() - started


# ---------------------------------------------------------------------------------------------
# CLI entry


def serve(
    port: int,
    host: str = "127.0.0.1",
    apps: Mapping[str, str] | None = None,
    guilds: Sequence[str] = (TEST_GUILD_ID,),
    *,
    base_path: str = DEFAULT_BASE_PATH,
    stop: threading.Event | None = None,
    out: TextIO | None = None,
) -> None:
    """Run an emulator until Ctrl+C (or ``stop`` is set). ``apps``: application id → token;
    every app is installed in every guild of ``guilds``. Prints the base URL and credentials."""
    out = out or sys.stdout
    apps = dict(apps) if apps else {TEST_APPLICATION_ID: TEST_TOKEN}
    emulator = Emulator(host=host, port=port, base_path=base_path)
    for app_id, token in apps.items():
        emulator.add_application(app_id, token)
        for guild in guilds:
            emulator.add_guild(app_id, guild)
    emulator.start()
    print(f"Discord API emulator listening on {emulator.url}", file=out)
    for app_id, token in apps.items():
        print(f"  application id: {app_id}   bot token: {token}   (a dummy, valid for this emulator only)", file=out)
    if guilds:
        print(f"  guilds: {', '.join(guilds)}", file=out)
    print(f"  control: {emulator.root_url}{CONTROL_PREFIX}/faults | /requests | /reset | /commands | /config", file=out)
    print("Press Ctrl+C to stop.", file=out, flush=True)
    event = stop or threading.Event()
    try:
        while not event.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()


def is_loopback(host: str) -> bool:
    """``host`` is this machine's IPv4 loopback (127.0.0.0/8), or ``localhost``."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network("127.0.0.0/8")
    except ValueError:
        return False


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m alia_action.discord.emulator", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    if not is_loopback(args.host):
        parser.error(f"--host {args.host}: the emulator listens on loopback only (127.0.0.1 or localhost)")
    serve(args.port, args.host)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
