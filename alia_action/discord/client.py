"""A small synchronous REST client for Discord's application-commands API (httpx + tenacity).

What it does for its callers (the handlers):

* sends every request through one rate-limit engine (:mod:`.ratelimit`): per-route buckets read from the
  headers (waits before a request when the bucket is known to be empty), the global 50 requests a second,
  and on a 429 waits exactly ``retry_after`` (route or global), then retries; safe to share between threads;
* retries 5xx answers, timeouts and dropped connections with exponential backoff and jitter,
  bounded in attempts and total time;
* never retries 400/401/403/404 (more than 10,000 401/403/429 answers in 10 minutes earn an IP
  ban; they are counted in :attr:`DiscordClient.invalid_responses`, and :attr:`DiscordClient.invalid` stops
  the run at its budget); a guild that answered 403 50001 (no ``applications.commands`` scope) is remembered
  and not asked again by this client;
* raises typed errors (:mod:`alia_action.discord.errors`) whose messages say what to do;
* checks the shape of every 2xx body before handing it on: a proxy's HTML page or a JSON value that
  is not a list of command objects (or one command object) is :class:`MalformedResponse`, never
  "no commands" (which would let a following write delete everything past the guard and the backup);
* logs every HTTP exchange (method, path, status, elapsed) for the handlers' reports.

With a client secret (:class:`~alia_action.discord.oauth.ClientSecret`) the client exchanges it for a Bearer
token before its first request (and again shortly before the token expires), and sends
``Authorization: Bearer …`` instead; the exchange is one of the recorded requests.

The bot token lives only in the Authorization header of the httpx client. It never appears in
a message, a log record, a ``repr`` or an exception: httpx exceptions carry the request (and so
the header), so they are never chained into ours.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, stop_before_delay, wait_exponential_jitter

from .. import __version__
from ..commands.loader import json_kind
from ..redaction import Redact, excerpt
from .errors import (
    DAILY_CREATES,
    MISSING_ACCESS,
    DiscordError,
    MalformedResponse,
    NotAuthorizedOnApplication,
    RateLimited,
    ServerError,
    TransportError,
    Unauthorized,
    error_from_response,
)
from .oauth import TOKEN_PATH, ClientSecret, token_request
from .ratelimit import DEFAULT_INVALID_BUDGET, GLOBAL_RATE, InvalidAnswers, RateLimiter, route_key

DEFAULT_API_URL = "https://discord.com/api/v10"
Expect = Literal["list", "command", "guilds"] | None
GUILDS_PAGE = 200  # the most guilds GET /users/@me/guilds gives at once (user.mdx, Get Current User Guilds)
_NOT_JSON: Any = object()  # a body that does not parse: distinct from an empty one and from JSON null
DEFAULT_USER_AGENT = f"DiscordBot (https://github.com/alia-bot/command-deploy, {__version__})"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One HTTP exchange. ``status`` is None when no answer came (timeout, dropped connection)."""

    method: str
    path: str
    status: int | None
    elapsed: float
    error: str | None = None


class _Retryable(Exception):
    """Internal: an attempt failed in a way worth another attempt."""

    def __init__(self, error: ServerError | TransportError) -> None:
        super().__init__(error.human)
        self.error = error


class DiscordClient:
    """``DiscordClient(token, application_id)``; use as a context manager or call :meth:`close`. ``token``: a bot
    token, or a :class:`ClientSecret` to exchange for Bearer tokens."""

    def __init__(
        self,
        token: str | ClientSecret,
        application_id: str,
        base_url: str = DEFAULT_API_URL,
        *,
        timeout: float = 15.0,
        user_agent: str = DEFAULT_USER_AGENT,
        max_attempts: int = 5,
        max_retry_time: float = 60.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 8.0,
        max_rate_limit_wait: float = 60.0,
        max_rate_limit_retries: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        global_rate: int | None = GLOBAL_RATE,
        invalid_budget: int = DEFAULT_INVALID_BUDGET,
        redact: Redact | None = None,
    ) -> None:
        """``redact``: the run's secrets registry; what Discord (or a proxy) says is scrubbed of every secret
        it knows, this client's own always."""
        self._client_secret = token if isinstance(token, ClientSecret) else None
        self._auth_lock = threading.Lock()  # one exchange at a time, however many threads share the client
        headers = {"User-Agent": user_agent, "Accept": "application/json"}
        if isinstance(token, str):
            token = token.strip()
            if token.startswith("Bot "):  # a common paste: the header's scheme along with the token
                token = token[4:].strip()
            if not token or not token.isascii() or not token.isprintable() or " " in token:
                # httpx/h11 would echo an illegal header value (the token) in their exception.
                raise ValueError("the bot token is empty or holds spaces or control characters: check BOT_TOKEN")
            headers["Authorization"] = f"Bot {token}"
        self._token = token if isinstance(token, str) else ""
        self._redact = redact
        self.application_id = str(application_id)
        self.base_url = base_url.rstrip("/")
        self.user_agent = user_agent
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.max_retry_time = max_retry_time
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.max_rate_limit_wait = max_rate_limit_wait
        self.max_rate_limit_retries = max_rate_limit_retries
        self._sleep = sleep
        self.clock = clock  # the run's clock: rate-limit windows, and the progress of long walks
        self._limiter = RateLimiter(clock, global_rate=global_rate)
        self.invalid = InvalidAnswers(invalid_budget, clock)  # stops the run before Discord's ban threshold
        self._no_access: set[str] = set()  # guilds that answered 403 50001: asked once, never again
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._count = 0
        # False: count the exchanges but keep no record of each (a walk of every guild stays flat in memory).
        self.record_requests = True
        self.invalid_responses = 0  # 401, 403 and 429 answers (Discord bans IPs over 10,000 in 10 min)
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout),
            headers=headers,
            follow_redirects=False,
        )

    # -- plumbing ----------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"DiscordClient(application_id={self.application_id!r}, base_url={self.base_url!r}, token=<redacted>)"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DiscordClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def requests(self) -> list[RequestRecord]:
        """Every HTTP exchange so far, retries included, oldest first."""
        with self._lock:
            return list(self._records)

    @property
    def request_count(self) -> int:
        with self._lock:
            return self._count

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._count += 1
            if self.record_requests:
                self._records.append(record)

    def _scrub(self, text: str) -> str:
        secrets = [self._token, *(self._client_secret.values() if self._client_secret else ())]
        for secret in (s for s in secrets if s):
            text = text.replace(secret, "<redacted>")
        return self._redact(text) if self._redact is not None else text

    # -- the client-credentials grant -------------------------------------------------------

    @property
    def credential(self) -> str:
        """What authorises the requests: "bot token" or "client secret"."""
        return "client secret" if self._client_secret else "bot token"

    def authorize(self) -> None:
        """With a client secret, exchange it now (a refusal stops the run before its first command request)."""
        self._auth_headers()

    def _auth_headers(self) -> dict[str, str]:
        """The Authorization header of the next request, when it is not the client's fixed bot token."""
        secret = self._client_secret
        if secret is None:
            return {}
        with self._auth_lock:
            token = secret.current() or self._exchange(secret)
        return {"Authorization": f"Bearer {token}"}

    def _exchange(self, secret: ClientSecret) -> str:
        """POST /oauth2/token, retried like any request on 5xx and lost connections; refusals are final."""
        for attempt in range(1, self.max_attempts + 1):
            t0 = time.monotonic()
            failure: str | None = None
            response: httpx.Response | None = None
            try:
                response = self._http.request("POST", TOKEN_PATH, **token_request(self.application_id, secret))
            except httpx.TransportError as exc:  # TimeoutException included
                failure = self._scrub(type(exc).__name__ + (f": {exc}" if str(exc) else ""))
            elapsed = time.monotonic() - t0
            if response is None:  # raised outside the except block: httpx's exception holds the Basic header
                self._record(RequestRecord("POST", TOKEN_PATH, None, elapsed, failure))
                if attempt < self.max_attempts:
                    self._sleep(min(self.backoff_max, self.backoff_initial * 2 ** (attempt - 1)))
                    continue
                host = httpx.URL(self.base_url).host
                raise TransportError(
                    f"no answer from {host} to POST {TOKEN_PATH} ({attempt} attempts): {failure}; nothing was written",
                    method="POST",
                    path=TOKEN_PATH,
                )
            self._record(RequestRecord("POST", TOKEN_PATH, response.status_code, elapsed))
            if response.status_code >= 500 and attempt < self.max_attempts:
                self._sleep(min(self.backoff_max, self.backoff_initial * 2 ** (attempt - 1)))
                continue
            if response.status_code in (401, 403, 429):
                with self._lock:
                    self.invalid_responses += 1
            self.invalid.record(response.status_code, response.headers)
            parsed = _json(response)
            return secret.accept(None if parsed is _NOT_JSON else parsed, response.status_code, self.application_id)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _path(self, guild_id: str | None) -> str:
        if guild_id:
            return f"/applications/{self.application_id}/guilds/{guild_id}/commands"
        return f"/applications/{self.application_id}/commands"

    # -- the API -----------------------------------------------------------------------------

    def list_commands(self, guild_id: str | None = None) -> list[dict[str, Any]]:
        """The live commands of the scope (global when ``guild_id`` is None), with localizations."""
        result = self.request(
            "GET", self._path(guild_id), params={"with_localizations": "true"}, guild_id=guild_id, expect="list"
        )
        return list(result)

    def overwrite_commands(self, guild_id: str | None, body: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Bulk overwrite: the scope holds exactly ``body`` afterwards. Returns what Discord stored."""
        result = self.request("PUT", self._path(guild_id), json=list(body), guild_id=guild_id, expect="list")
        return list(result)

    def list_guilds(self, after: str | None = None, limit: int = GUILDS_PAGE) -> list[dict[str, Any]]:
        """One page of the guilds the bot is in, by ascending ID, after ``after`` (user.mdx, Get Current User
        Guilds: ``limit`` 1-200). Needs a bot token: a client-credentials token has no ``guilds`` scope."""
        params = {"limit": str(limit), **({"after": after} if after else {})}
        return list(self.request("GET", "/users/@me/guilds", params=params, expect="guilds"))

    def create_command(self, guild_id: str | None, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST one command (an upsert by name): only that command is created or gets a new version."""
        result = self.request("POST", self._path(guild_id), json=dict(body), guild_id=guild_id, expect="command")
        return dict(result)

    def edit_command(self, guild_id: str | None, command_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH one command by ID: the fields in ``body`` change, the ID stays; only its version moves on."""
        path = f"{self._path(guild_id)}/{command_id}"
        return dict(self.request("PATCH", path, json=dict(body), guild_id=guild_id, expect="command"))

    def delete_command(self, guild_id: str | None, command_id: str) -> None:
        """DELETE one command by ID."""
        self.request("DELETE", f"{self._path(guild_id)}/{command_id}", guild_id=guild_id)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        guild_id: str | None = None,
        expect: Expect = None,
    ) -> Any:
        """One logical request: rate-limit waits and retries included. Returns the parsed JSON.

        ``expect`` names the documented shape of a 2xx body (``"list"``: an array of command objects,
        ``"command"``: one command object); anything else raises :class:`MalformedResponse`.

        Retrying is safe for every endpoint this client uses, also after a dropped connection
        or a timeout that may have hidden an applied write: a bulk overwrite (PUT) or a PATCH with
        the same body leads to the same state (only ``version`` moves on again), GET changes
        nothing, POST upserts by name, and a DELETE sent again answers 404 unknown command, which
        callers read as "gone". So a write whose answer was lost is simply sent again rather than
        guessed about; callers verify with a fresh GET anyway.
        """
        method = method.upper()
        attempts = 0
        started = time.monotonic()
        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts) | stop_before_delay(self.max_retry_time),
            wait=wait_exponential_jitter(
                multiplier=self.backoff_initial, max=self.backoff_max, jitter=self.backoff_initial
            ),
            retry=retry_if_exception_type(_Retryable),
            sleep=self._sleep,
            reraise=True,
        )
        last: ServerError | TransportError | None = None
        try:
            for attempt in retrying:
                with attempt:
                    attempts += 1
                    return self._attempt(method, path, json, params, guild_id, expect)
        except _Retryable as exc:
            last = exc.error
        assert last is not None
        spent = time.monotonic() - started
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''} in {spent:.1f} s"
        if isinstance(last, ServerError):
            raise ServerError(
                f"Discord kept failing with HTTP {last.status} on {method} {path} ({tries}); giving up. "
                "Check https://discordstatus.com and run again later",
                status=last.status,
                code=last.code,
                method=method,
                path=path,
                discord_message=last.discord_message,
            )
        raise TransportError(f"{last.human} ({tries}); giving up", method=method, path=path)

    def _attempt(
        self,
        method: str,
        path: str,
        body: Any,
        params: Mapping[str, str] | None,
        guild_id: str | None,
        expect: Expect = None,
    ) -> Any:
        route = route_key(method, path)
        rate_limit_retries = 0
        while True:
            if guild_id is not None and guild_id in self._no_access:
                # Asked once already: another 403 would only add to Discord's invalid-request count.
                no_access = {"code": MISSING_ACCESS, "message": "Missing Access"}
                raise self._error(403, no_access, method, path, guild_id, body)
            self.invalid.check()
            wait = self._limiter.reserve(route)
            while wait > 0:
                if wait > self.max_rate_limit_wait:
                    raise RateLimited(
                        f"rate limited by Discord on {method} {path}: the wait of {wait:.1f} s exceeds the "
                        f"bound of {self.max_rate_limit_wait:.0f} s",
                        retry_after=wait,
                        method=method,
                        path=path,
                    )
                self._sleep(wait)
                wait = self._limiter.reserve(route)

            t0 = time.monotonic()
            failure: str | None = None
            response: httpx.Response | None = None
            try:
                response = self._http.request(method, path, json=body, params=params, headers=self._auth_headers())
            except httpx.TimeoutException as exc:
                failure = f"timed out after {self.timeout:g} s ({type(exc).__name__})"
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            elapsed = time.monotonic() - t0
            if response is None:
                # Raised outside the except block: the httpx exception (which holds the request
                # and its Authorization header) must not travel as __cause__ or __context__.
                text = self._scrub(failure or "no response")
                self._record(RequestRecord(method, path, None, elapsed, text))
                host = httpx.URL(self.base_url).host
                lost = TransportError(f"no answer from {host} to {method} {path}: {text}", method=method, path=path)
                raise _Retryable(lost)

            status = response.status_code
            self._record(RequestRecord(method, path, status, elapsed))
            self._limiter.update(route, response.headers)
            parsed = _json(response)
            payload = None if parsed is _NOT_JSON else parsed
            if status in (401, 403, 429):
                with self._lock:
                    self.invalid_responses += 1
            self.invalid.record(status, response.headers)
            if (
                status == 403
                and guild_id is not None
                and isinstance(payload, Mapping)
                and payload.get("code") == MISSING_ACCESS
            ):
                with self._lock:
                    self._no_access.add(guild_id)

            if status == 429:
                data = payload if isinstance(payload, Mapping) else {}
                if data.get("code") == DAILY_CREATES:
                    raise self._error(status, payload, method, path, guild_id, body)
                retry_after = _retry_after(data, response.headers)
                is_global = bool(data.get("global")) or response.headers.get("x-ratelimit-global") == "true"
                if (
                    retry_after is None
                    or retry_after > self.max_rate_limit_wait
                    or rate_limit_retries >= self.max_rate_limit_retries
                ):
                    why = (
                        "no retry_after given"
                        if retry_after is None
                        else f"retry_after {retry_after:.1f} s exceeds the bound of {self.max_rate_limit_wait:.0f} s"
                        if retry_after > self.max_rate_limit_wait
                        else f"still limited after {rate_limit_retries} waits"
                    )
                    raise RateLimited(
                        f"rate limited by Discord on {method} {path} ({'global' if is_global else 'route'}): {why}",
                        retry_after=retry_after,
                        is_global=is_global,
                        status=429,
                        method=method,
                        path=path,
                    )
                self._limiter.on_429(route, retry_after, is_global=is_global)
                rate_limit_retries += 1
                continue

            if 200 <= status < 300:
                if expect is not None:
                    problem = shape_problem(parsed, expect)
                    if problem is not None:
                        raise self._malformed(response, problem, method, path)
                return payload
            error = self._error(status, payload, method, path, guild_id, body)
            if isinstance(error, ServerError):
                raise _Retryable(error)
            raise error

    def _error(
        self, status: int, payload: Any, method: str, path: str, guild_id: str | None, body: Any
    ) -> DiscordError:
        error = error_from_response(
            status,
            payload,
            method=method,
            path=path,
            application_id=self.application_id,
            guild_id=guild_id,
            request_body=body,
        )
        if status == 404 and not error.code and not re.search(r"/api/v\d+$", httpx.URL(self.base_url).path):
            # Discord's routes all live under /api/v10: an emulator's or proxy's root URL 404s on every call.
            error.human += (
                f". The Discord API URL {self.base_url} has no /api/v10 path: set discord-api-url "
                f"(--discord-api-url) to {self.base_url}/api/v10"
            )
        if self._client_secret is not None and isinstance(error, Unauthorized | NotAuthorizedOnApplication):
            error.human = (
                f"the Bearer token of {self._client_secret.label} was refused on {method} {path} (HTTP {status}): "
                f"check that the secret belongs to application {self.application_id}"
            )
        error.human = self._scrub(error.human)
        error.args = (error.human,)
        if error.discord_message is not None:
            error.discord_message = self._scrub(error.discord_message)
        return error

    def _malformed(self, response: httpx.Response, problem: str, method: str, path: str) -> MalformedResponse:
        """What came back, so a person can tell a captive portal from a broken proxy; secrets scrubbed."""
        kind = excerpt(response.headers.get("content-type") or "no content type", _SHOWN_CHARS, self._scrub)
        # Scrubbed whole, then cut: a token straddling the cut would otherwise survive in part.
        body = excerpt(response.content.decode("utf-8", errors="replace"), _SHOWN_CHARS, self._scrub, flat=False)
        shown = body.encode("unicode_escape").decode("ascii")
        return MalformedResponse(
            f"Discord's answer to {method} {path} is not what the API documents ({problem}): HTTP "
            f"{response.status_code}, {kind}, {len(response.content)} bytes, starting "
            f'"{shown}". Nothing was written on the strength of it; is a proxy or captive portal '
            "answering instead of Discord?",
            status=response.status_code,
            method=method,
            path=path,
        )


_SHOWN_CHARS = 80


def shape_problem(payload: Any, expect: Expect) -> str | None:
    """Why ``payload`` is not the documented body, or None. Checks what callers rely on: a command
    object is a JSON object with a string ``id`` and ``name`` (everything else is compared as data)."""
    if payload is _NOT_JSON:
        return "the body is not JSON"
    if expect == "guilds":
        if not isinstance(payload, list):
            return f"expected a JSON array of guilds, got {_kind(payload)}"
        for index, item in enumerate(payload):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                return f"item {index}: expected a guild object with a string 'id'"
        return None
    if expect == "list":
        if not isinstance(payload, list):
            return f"expected a JSON array of commands, got {_kind(payload)}"
        for index, item in enumerate(payload):
            problem = _command_problem(item)
            if problem is not None:
                return f"item {index}: {problem}"
        return None
    return _command_problem(payload)


def _command_problem(item: Any) -> str | None:
    if not isinstance(item, dict):
        return f"expected a command object, got {_kind(item)}"
    for key in ("id", "name"):
        if not isinstance(item.get(key), str):
            return f"a command object without a string {key!r}"
    return None


def _kind(value: Any) -> str:
    return "an empty body" if value is None else json_kind(value)


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return _NOT_JSON


def _retry_after(data: Mapping[str, Any], headers: httpx.Headers) -> float | None:
    value = data.get("retry_after")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    header = headers.get("retry-after")
    try:
        return float(header) if header is not None else None
    except ValueError:
        return None
