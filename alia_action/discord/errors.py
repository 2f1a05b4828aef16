"""Typed Discord API errors with messages a person can act on.

Pure: no httpx here (``detect`` imports this without talking to Discord). The client turns
an HTTP response into one of these with :func:`error_from_response`.

No message, ``repr`` or attribute of these exceptions ever holds the bot token: they are
built from the status, Discord's JSON body and the request path only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import DeployError

# Discord JSON error codes this project reacts to (developers/topics/opcodes-and-status-codes).
UNKNOWN_APPLICATION = 10002
UNKNOWN_GUILD = 10004
UNKNOWN_COMMAND = 10063
NOT_AUTHORIZED_ON_APPLICATION = 20012
MAX_COMMANDS = 30032
DAILY_CREATES = 30034
UNAUTHORIZED = 40001
NAME_EXISTS = 40041
BLOCKED = 40333
MISSING_ACCESS = 50001
INVALID_FORM_BODY = 50035
INVALID_JSON = 50109

DAILY_CREATE_LIMIT = 200

Detail = tuple[str, str, str]
"""``(path, code, message)``, e.g. ``("config.options[3].name", "BASE_TYPE_BAD_LENGTH", "...")``."""


class DiscordError(DeployError):
    """A request to Discord failed. ``human`` says what happened and what to do (exit 1)."""

    def __init__(
        self,
        human: str,
        *,
        status: int | None = None,
        code: int | None = None,
        method: str | None = None,
        path: str | None = None,
        discord_message: str | None = None,
    ) -> None:
        super().__init__(human)
        self.human = human
        self.status = status
        self.code = code
        self.method = method
        self.path = path
        self.discord_message = discord_message

    def __str__(self) -> str:
        return self.human

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, human={self.human!r})"


class Unauthorized(DiscordError):
    """401: the token is invalid or revoked."""


class NotAuthorizedOnApplication(DiscordError):
    """403 / 20012: a valid token, but of another application than ``application_id``."""


class MissingAccess(DiscordError):
    """403 / 50001: the application is not in the guild with the ``applications.commands`` scope."""


class UnknownGuild(DiscordError):
    """404 / 10004."""


class UnknownCommand(DiscordError):
    """404 / 10063."""


class InvalidFormBody(DiscordError):
    """400 / 50035: Discord rejected the body. ``details`` locate each rejection."""

    def __init__(self, human: str, *, details: Sequence[Detail] = (), **kw: Any) -> None:
        super().__init__(human, **kw)
        self.details: list[Detail] = list(details)


class DailyCreateLimit(DiscordError):
    """30034: 200 new command names per day per scope were created already."""


class MaxCommands(DiscordError):
    """30032: the scope would hold more commands of one type than Discord allows."""


class RateLimited(DiscordError):
    """429 that the client would not (or could no longer) wait out."""

    def __init__(self, human: str, *, retry_after: float | None = None, is_global: bool = False, **kw: Any):
        super().__init__(human, **kw)
        self.retry_after = retry_after
        self.is_global = is_global


class InvalidBudgetExhausted(DiscordError):
    """The run's budget of invalid answers (401/403/429) in 10 minutes is spent: no further request is sent.
    ``retry_after``: seconds until enough of them leave the window for the run to continue."""

    def __init__(self, human: str, *, retry_after: float, **kw: Any):
        super().__init__(human, **kw)
        self.retry_after = retry_after


class MalformedResponse(DiscordError):
    """A 2xx whose body is not the documented shape (a proxy's page, a truncated or foreign answer)."""


class ServerError(DiscordError):
    """5xx that persisted through the retries."""


class TransportError(DiscordError):
    """No HTTP answer: connection refused or dropped, timeout, TLS failure."""


# ---------------------------------------------------------------------------------------------
# 50035 details


def flatten_form_errors(errors: Any, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str, str]]:
    """Discord's nested ``errors`` object → ``[(("0", "options", "3", "name"), code, message)]``."""
    out: list[tuple[tuple[str, ...], str, str]] = []
    if not isinstance(errors, Mapping):
        return out
    for key, value in errors.items():
        if key == "_errors" and isinstance(value, list):
            for leaf in value:
                if isinstance(leaf, Mapping):
                    out.append((prefix, str(leaf.get("code", "")), str(leaf.get("message", ""))))
        else:
            out.extend(flatten_form_errors(value, (*prefix, str(key))))
    return out


def _item_label(body: Any, index: int) -> str:
    if isinstance(body, list) and 0 <= index < len(body):
        item = body[index]
        if isinstance(item, Mapping) and isinstance(item.get("name"), str) and item["name"]:
            return str(item["name"])
    return f"[{index}]"


def render_error_path(keys: Sequence[str], body: Any) -> str:
    """``("3", "options", "2", "name")`` of a bulk body → ``config.options[2].name``.

    The first array index of a bulk overwrite becomes that command's name; deeper indices
    stay as ``[n]``. For a single-command body (POST/PATCH) the command's name leads.
    """
    parts = list(keys)
    out = ""
    if isinstance(body, list):
        if parts and parts[0].isdigit():
            out = _item_label(body, int(parts.pop(0)))
    elif isinstance(body, Mapping) and isinstance(body.get("name"), str):
        out = str(body["name"])
    for part in parts:
        if part.isdigit():
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def form_details(errors: Any, body: Any) -> list[Detail]:
    return [(render_error_path(keys, body), code, msg) for keys, code, msg in flatten_form_errors(errors)]


# ---------------------------------------------------------------------------------------------
# response → exception


def _scope(guild_id: str | None) -> str:
    return f"guild {guild_id}" if guild_id else "global scope"


def error_from_response(
    status: int,
    payload: Any,
    *,
    method: str,
    path: str,
    application_id: str,
    guild_id: str | None,
    request_body: Any = None,
) -> DiscordError:
    """Map a non-2xx answer (``payload`` = parsed JSON, or None) to a typed exception."""
    data: Mapping[str, Any] = payload if isinstance(payload, Mapping) else {}
    raw_code = data.get("code")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
    message = str(data.get("message", "")) or None
    kw: dict[str, Any] = {"status": status, "code": code, "method": method, "path": path}
    kw["discord_message"] = message
    where = f"{method} {path}"

    if code == DAILY_CREATES:
        scope = f"in this guild ({guild_id})" if guild_id else "for global commands"
        return DailyCreateLimit(
            f"daily create limit of {DAILY_CREATE_LIMIT} reached {scope} ({DAILY_CREATES}): "
            "Discord allows 200 new command names a day per scope; wait for the window to pass, "
            "and keep IDs across renames with renamedFrom so they do not spend creates",
            **kw,
        )
    if status == 401:
        return Unauthorized("the bot token was rejected (401): check BOT_TOKEN", **kw)
    if code == NOT_AUTHORIZED_ON_APPLICATION:
        return NotAuthorizedOnApplication(
            f"the bot token does not belong to application {application_id} "
            f"({NOT_AUTHORIZED_ON_APPLICATION}): check APPLICATION_ID and BOT_TOKEN",
            **kw,
        )
    if code == MISSING_ACCESS:
        if guild_id:
            return MissingAccess(
                f"the application is not in guild {guild_id} with the applications.commands scope "
                f"({MISSING_ACCESS}): re-invite it with https://discord.com/oauth2/authorize"
                f"?client_id={application_id}&scope=bot+applications.commands&guild_id={guild_id}",
                **kw,
            )
        return MissingAccess(f"missing access to {where} ({MISSING_ACCESS})", **kw)
    if code == UNKNOWN_GUILD:
        return UnknownGuild(
            f"guild {guild_id} is unknown to Discord or invisible to this bot ({UNKNOWN_GUILD}): check GUILD_ID",
            **kw,
        )
    if code == BLOCKED:
        return DiscordError(
            f"Discord blocked the request to {where} ({BLOCKED}): it refuses clients without a valid "
            "User-Agent; send one like 'DiscordBot (https://example.com, 1.0)'",
            **kw,
        )
    if code == UNKNOWN_COMMAND:
        return UnknownCommand(f"unknown application command on {where} ({UNKNOWN_COMMAND})", **kw)
    if code == MAX_COMMANDS:
        return MaxCommands(
            f"too many commands for the {_scope(guild_id)} ({MAX_COMMANDS}): Discord allows "
            "100 slash, 15 user and 15 message commands per scope",
            **kw,
        )
    if code == INVALID_FORM_BODY:
        details = form_details(data.get("errors"), request_body)
        lines = [f"  {p or '<body>'}: {m} [{c}]" for p, c, m in details] or ["  (no details)"]
        return InvalidFormBody(
            f"Discord rejected the command definitions for the {_scope(guild_id)} "
            f"({INVALID_FORM_BODY} Invalid Form Body):\n" + "\n".join(lines),
            details=details,
            **kw,
        )
    if status == 429:
        retry_after = data.get("retry_after")
        is_global = bool(data.get("global", False))
        ra = float(retry_after) if isinstance(retry_after, int | float) else None
        return RateLimited(
            f"rate limited by Discord on {where}" + (f" (retry after {ra:.3f} s)" if ra is not None else ""),
            retry_after=ra,
            is_global=is_global,
            **kw,
        )
    if status >= 500:
        return ServerError(f"Discord answered {status} to {where}", **kw)
    detail = f" {code}" if code is not None else ""
    text = f": {message}" if message else ""
    return DiscordError(f"Discord answered {status}{detail} to {where}{text}", **kw)
