"""A loopback stand-in for the part of GitHub's REST API that command-deploy uses.

A stdlib ``ThreadingHTTPServer`` in a thread, serving the documented response shapes (docs.github.com/rest)
of: repos get, users/me, issues list/get/create/update, issue comments list/create/update, labels
list/create, deployments create/list/get, deployment statuses create/list. Lists paginate with
``per_page``/``page`` and ``Link`` headers as GitHub does, so PyGithub follows them.

What GitHub enforces and the tests rely on is enforced here too:

* the token (``Authorization: token …`` or ``Bearer …``): anything else is 401 Bad credentials;
* permissions as a GitHub App installation token (``GITHUB_TOKEN``) has them: each endpoint needs one of a
  set of ``name=level`` grants; a missing one is 403 "Resource not accessible by integration" with the
  ``X-Accepted-GitHub-Permissions`` header. :meth:`GitHubStandIn.read_only` is a fork PR's token;
* ``GET /user`` is 403 for an installation token (it is no user), as on GitHub;
* deployment status states and the 140-character description limit (422 otherwise), ``log_url`` also
  setting ``target_url``, and ``auto_inactive``: a new success marks earlier successful deployments of the
  same non-production environment inactive.

Faults are injected by method and path (:meth:`GitHubStandIn.fail`, :meth:`GitHubStandIn.rate_limit`):
5xx answers, slow answers (a timeout for the client), and rate limits shaped as GitHub sends them (primary:
403 or 429 with ``X-RateLimit-Remaining: 0`` and ``X-RateLimit-Reset``; secondary: 403 or 429 with the
"secondary rate limit" message, with or without ``Retry-After``). Each fault that fires is recorded
(:attr:`GitHubStandIn.fired`); :attr:`GitHubStandIn.pending` counts those that never fired.

Every request is logged (:attr:`GitHubStandIn.requests`) with its path, query, headers and body; the
expected token is replaced by a mark (any other credential is logged as sent, for secret searches).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DOCS = "https://docs.github.com/rest"
BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}
PERMISSIONS = ("contents", "metadata", "issues", "pull_requests", "deployments")
STATUS_STATES = ("error", "failure", "inactive", "in_progress", "queued", "pending", "success")
DESCRIPTION_LIMIT = 140
BODY_LIMIT = 65_536  # characters of an issue or comment body
JsonObject = dict[str, Any]


class Reply(Exception):
    """Ends a request with this status and body (an error, or an early answer)."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


@dataclass(frozen=True, slots=True)
class Logged:
    method: str
    path: str  # below the API prefix, without the query
    query: dict[str, str]
    body: Any
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # as sent; the expected token replaced by a mark
    raw_path: str = ""  # the request target as sent (path and query)


@dataclass
class GitHubFault:
    """One scripted misbehaviour for the next ``times`` requests matching ``method`` and ``path``."""

    kind: str  # status | slow | primary | secondary
    method: str | None
    path: re.Pattern[str] | None
    times: int
    status: int = 502
    seconds: float = 0.0
    retry_after: int | None = None
    skip: int = 0  # matching requests let through before the fault starts


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any


def pr_event(number: int, head: str = "alia-bot/alia-bot", base: str = "alia-bot/alia-bot") -> dict[str, Any]:
    """A ``pull_request`` event payload as the runner writes it to ``GITHUB_EVENT_PATH`` (the fields we read)."""
    return {
        "pull_request": {
            "number": number,
            "head": {"repo": {"full_name": head}},
            "base": {"repo": {"full_name": base}},
        },
        "repository": {"full_name": base, "id": 1296269},
    }


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def user(login: str, user_id: int, kind: str) -> JsonObject:
    return {"login": login, "id": user_id, "node_id": f"U_{user_id}", "type": kind, "site_admin": False}


@dataclass
class GitHubStandIn:
    """``with GitHubStandIn(token=...) as gh:`` → ``gh.url`` is a ``GITHUB_API_URL``."""

    token: str
    repository: str = "alia-bot/alia-bot"
    prefix: str = ""  # "/api/v3" is GitHub Enterprise Server's
    user_login: str | None = None  # a user's token (GET /user answers); None: an installation token
    permissions: dict[str, str] = field(default_factory=lambda: dict.fromkeys(PERMISSIONS, "write"))
    requests: list[Logged] = field(default_factory=list)
    issues: dict[int, JsonObject] = field(default_factory=dict)
    comments: dict[int, JsonObject] = field(default_factory=dict)
    labels: dict[str, JsonObject] = field(default_factory=dict)
    deployments: dict[int, JsonObject] = field(default_factory=dict)
    statuses: dict[int, list[JsonObject]] = field(default_factory=dict)
    fired: list[str] = field(default_factory=list)  # "kind METHOD path" of every fault that fired

    def __post_init__(self) -> None:
        self._faults: list[GitHubFault] = []
        self._lock = threading.RLock()
        self._ids = iter(range(1000, 10**9))
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Any], str]] = self._build_routes()

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> GitHubStandIn:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                standin._handle(self)

            do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

            def log_message(self, format: str, *args: Any) -> None:  # the request log replaces stderr noise
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def origin(self) -> str:
        assert self._server is not None, "start the stand-in first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """The API base URL (``GITHUB_API_URL``)."""
        return self.origin + self.prefix

    # ------------------------------------------------------------------ test controls

    def read_only(self) -> None:
        """The token of a workflow run for a fork's pull request: every write is refused."""
        with self._lock:
            self.permissions = dict.fromkeys(PERMISSIONS, "read")

    def fail(
        self,
        status: int = 502,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        slow: float = 0,
        skip: int = 0,
    ) -> None:
        """The next ``times`` matching requests (after ``skip`` let through) answer ``status`` (a 5xx, or a 403
        refusal) or, with ``slow``, answer normally after ``slow`` seconds (a timeout for a client that waits
        less). ``path``: a regex searched in the path."""
        kind = "slow" if slow else "status"
        self._add(GitHubFault(kind, method, re.compile(path) if path else None, times, status, slow, skip=skip))

    def rate_limit(
        self,
        kind: str = "secondary",
        *,
        status: int = 403,
        retry_after: int | None = None,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` matching requests are rate limited as GitHub does it: ``primary`` (remaining 0,
        a reset time one second ahead) or ``secondary`` (its message; ``Retry-After`` when given)."""
        assert kind in ("primary", "secondary"), kind
        self._add(GitHubFault(kind, method, re.compile(path) if path else None, times, status, 0, retry_after))

    def _add(self, fault: GitHubFault) -> None:
        with self._lock:
            self._faults.append(fault)

    @property
    def pending(self) -> int:
        """Faults scheduled that have not fired."""
        with self._lock:
            return sum(f.times for f in self._faults)

    def _take_fault(self, method: str, path: str) -> GitHubFault | None:
        with self._lock:
            for fault in self._faults:
                if (fault.method is None or fault.method == method) and (fault.path is None or fault.path.search(path)):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    self.fired.append(f"{fault.kind} {method} {path}")
                    return fault
        return None

    @staticmethod
    def _fault_reply(fault: GitHubFault) -> Reply:
        if fault.kind == "status" and fault.status == 403:  # a refusal as GitHub words it, without a rate limit
            return Reply(403, {"message": "Resource not accessible by integration", "documentation_url": DOCS})
        if fault.kind == "status":
            return Reply(fault.status, {"message": "Server Error"} if fault.status != 502 else None)
        reset = str(int(datetime.now(UTC).timestamp()) + 1)
        if fault.kind == "primary":
            return Reply(
                fault.status,
                {
                    "message": "API rate limit exceeded for installation ID 1234.",
                    "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting",
                },
                {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset, "X-RateLimit-Used": "5000"},
            )
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        return Reply(
            fault.status,
            {
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                "documentation_url": "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
            },
            headers,
        )

    def add_pull_request(self, number: int, title: str = "Change commands", head_repo: str | None = None) -> JsonObject:
        with self._lock:
            issue = self._new_issue(number, title, "", [], BOT | {"login": "contributor", "type": "User"})
            issue["pull_request"] = {
                "url": f"{self._repo_url()}/pulls/{number}",
                "html_url": self._html(f"pull/{number}"),
            }
            issue["html_url"] = self._html(f"pull/{number}")
            return issue

    def add_comment(self, number: int, body: str, login: str = "someone", kind: str = "User") -> JsonObject:
        """A comment written by someone else (for example one that copies the sticky marker)."""
        with self._lock:
            return self._new_comment(number, body, user(login, 7, kind))

    def comments_on(self, number: int) -> list[JsonObject]:
        with self._lock:
            return [c for c in self.comments.values() if c["_issue"] == number]

    def issues_with(self, text: str) -> list[JsonObject]:
        with self._lock:
            return [i for i in self.issues.values() if "pull_request" not in i and text in (i["body"] or "")]

    def calls(self, method: str, pattern: str) -> list[Logged]:
        """Logged requests of ``method`` whose path matches ``pattern`` (a regular expression)."""
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    def status_history(self, deployment_id: int) -> list[str]:
        """States of a deployment's statuses, oldest first."""
        return [s["state"] for s in reversed(self.statuses.get(deployment_id, []))]

    # ------------------------------------------------------------------ HTTP

    def _handle(self, http: BaseHTTPRequestHandler) -> None:
        parts = urllib.parse.urlsplit(http.path)
        path = parts.path
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(parts.query).items()}
        length = int(http.headers.get("Content-Length") or 0)
        raw = http.rfile.read(length) if length else b""
        status, body, headers = 500, {"message": "stand-in error"}, {}
        parsed: Any = None
        # The expected token is logged as a mark; any other credential (a secret sent where it does not belong)
        # is logged as sent, so a search of the log finds it.
        sent = {k: self._logged_header(k, v) for k, v in http.headers.items()}
        try:
            if not path.startswith(self.prefix + "/") and path != self.prefix:
                raise Reply(404, {"message": "Not Found", "documentation_url": DOCS})
            path = path[len(self.prefix) :] or "/"
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                raise Reply(400, {"message": "Problems parsing JSON", "documentation_url": DOCS}) from None
            self._authenticate(http.headers.get("Authorization", ""))
            fault = self._take_fault(http.command, path)
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.seconds)
            elif fault is not None:
                raise self._fault_reply(fault)
            status, body, headers = self._dispatch(Request(http.command, path, query, parsed))
        except Reply as reply:
            status, body, headers = reply.status, reply.body, reply.headers
        with self._lock:
            self.requests.append(Logged(http.command, path, query, parsed, status, sent, http.path))
        data = b"" if body is None else json.dumps(body).encode()
        http.send_response(status)
        http.send_header("Content-Type", "application/json; charset=utf-8")
        http.send_header("Content-Length", str(len(data)))
        http.send_header("X-GitHub-Media-Type", "github.v3; format=json")
        defaults = {
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "4999",
            "X-RateLimit-Reset": str(int(datetime.now(UTC).timestamp()) + 3600),
        }
        for name, value in {**defaults, **headers}.items():
            http.send_header(name, value)
        http.end_headers()
        with contextlib.suppress(OSError):  # the client gave up waiting (a slow-answer fault)
            http.wfile.write(data)

    def _logged_header(self, name: str, value: str) -> str:
        scheme, _, credential = value.partition(" ")
        if name.lower() == "authorization" and credential.strip() == self.token:
            return f"{scheme} <the GitHub token>"
        return value

    def _authenticate(self, header: str) -> None:
        scheme, _, credential = header.partition(" ")
        if scheme.lower() not in ("token", "bearer") or credential.strip() != self.token:
            raise Reply(401, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"})

    def _dispatch(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        for method, pattern, handler, needs in self._routes:
            match = pattern.fullmatch(request.path)
            if match and method == request.method:
                with self._lock:
                    self._authorise(needs, match)
                    return handler(request, *match.groups())  # type: ignore[no-any-return]
        raise Reply(404, {"message": "Not Found", "documentation_url": DOCS})

    def _authorise(self, needs: str, match: re.Match[str]) -> None:
        if needs == "user":
            if self.user_login is None:  # installation tokens are no user
                raise Reply(403, {"message": "Resource not accessible by integration", "documentation_url": DOCS})
            return
        if needs.endswith("|pr") and match.groups():  # comments: pull_requests grants it on a PR, issues anywhere
            number = int(match.group(1))
            is_pr = "pull_request" in self.issues.get(number, {})
            needs = needs[:-3] + ("; pull_requests=write" if is_pr else "")
        options = [dict(p.split("=") for p in grant.split(",")) for grant in needs.split("; ")]
        levels = {"read": 1, "write": 2}
        for option in options:
            if all(levels.get(self.permissions.get(k, "none"), 0) >= levels[v] for k, v in option.items()):
                return
        raise Reply(
            403,
            {"message": "Resource not accessible by integration", "documentation_url": DOCS, "status": "403"},
            {"X-Accepted-GitHub-Permissions": needs},
        )

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., Any], str]]:
        repo = re.escape(f"/repos/{self.repository}")
        table: list[tuple[str, str, Callable[..., Any], str]] = [
            ("GET", "/user", self._get_user, "user"),
            ("GET", repo, self._get_repo, "metadata=read"),
            ("GET", repo + "/issues", self._list_issues, "issues=read"),
            ("POST", repo + "/issues", self._create_issue, "issues=write"),
            ("GET", repo + r"/issues/(\d+)", self._get_issue, "issues=read"),
            ("PATCH", repo + r"/issues/(\d+)", self._update_issue, "issues=write"),
            ("GET", repo + r"/issues/(\d+)/comments", self._list_comments, "issues=read"),
            ("POST", repo + r"/issues/(\d+)/comments", self._create_comment, "issues=write|pr"),
            ("GET", repo + r"/issues/comments/(\d+)", self._get_comment, "issues=read"),
            ("PATCH", repo + r"/issues/comments/(\d+)", self._update_comment, "issues=write; pull_requests=write"),
            ("GET", repo + "/labels", self._list_labels, "issues=read"),
            ("POST", repo + "/labels", self._create_label, "issues=write; pull_requests=write"),
            ("GET", repo + "/deployments", self._list_deployments, "deployments=read"),
            ("POST", repo + "/deployments", self._create_deployment, "deployments=write"),
            ("GET", repo + r"/deployments/(\d+)", self._get_deployment, "deployments=read"),
            ("GET", repo + r"/deployments/(\d+)/statuses", self._list_statuses, "deployments=read"),
            ("POST", repo + r"/deployments/(\d+)/statuses", self._create_status, "deployments=write"),
        ]
        return [(m, re.compile(p), h, n) for m, p, h, n in table]

    # ------------------------------------------------------------------ helpers

    def _repo_url(self) -> str:
        return f"{self.url}/repos/{self.repository}"

    def _html(self, tail: str) -> str:
        return f"https://github.com/{self.repository}/{tail}"

    def _actor(self) -> JsonObject:
        return user(self.user_login, 583231, "User") if self.user_login else dict(BOT, node_id="MDM6Qm90NDE4OTgyODI=")

    def _page(self, request: Request, items: list[Any]) -> tuple[int, Any, dict[str, str]]:
        try:
            per_page = min(max(int(request.query.get("per_page", 30)), 1), 100)
            page = max(int(request.query.get("page", 1)), 1)
        except ValueError:
            raise Reply(422, {"message": "Validation Failed", "documentation_url": DOCS}) from None
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []

        def link(number: int, rel: str) -> str:
            query = dict(request.query, page=str(number), per_page=str(per_page))
            return f'<{self.url}{request.path}?{urllib.parse.urlencode(query)}>; rel="{rel}"'

        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        return 200, chunk, {"Link": ", ".join(links)} if links else {}

    @staticmethod
    def _require(body: Any, *keys: str) -> JsonObject:
        if not isinstance(body, dict):
            raise Reply(400, {"message": "Problems parsing JSON", "documentation_url": DOCS})
        for key in keys:
            if key not in body:
                raise Reply(
                    422, {"message": f'Invalid request.\n\n"{key}" wasn\'t supplied.', "documentation_url": DOCS}
                )
        return body

    @staticmethod
    def _body(text: Any) -> str:
        body = str(text or "")
        if len(body) > BODY_LIMIT:
            raise Reply(
                422,
                {
                    "message": "Validation Failed",
                    "errors": [
                        {
                            "resource": "IssueComment",
                            "code": "custom",
                            "field": "body",
                            "message": f"body is too long (maximum is {BODY_LIMIT} characters)",
                        }
                    ],
                    "documentation_url": DOCS,
                },
            )
        return body

    @staticmethod
    def _public(item: JsonObject) -> JsonObject:
        return {k: v for k, v in item.items() if not k.startswith("_")}

    # ------------------------------------------------------------------ users and the repository

    def _get_user(self, _request: Request) -> tuple[int, Any, dict[str, str]]:
        return 200, self._actor(), {}

    def _get_repo(self, _request: Request) -> tuple[int, Any, dict[str, str]]:
        owner, name = self.repository.split("/")
        return (
            200,
            {
                "id": 1296269,
                "node_id": "R_kgDOAAABBB",
                "name": name,
                "full_name": self.repository,
                "owner": user(owner, 1, "Organization"),
                "private": False,
                "html_url": self._html("").rstrip("/"),
                "url": self._repo_url(),
                "default_branch": "main",
                "fork": False,
            },
            {},
        )

    # ------------------------------------------------------------------ issues and labels

    def _label(self, name: str, color: str = "ededed", description: str | None = None) -> JsonObject:
        existing = next((v for k, v in self.labels.items() if k.lower() == name.lower()), None)
        if existing is not None:
            return existing
        label = {
            "id": next(self._ids),
            "node_id": "LA_x",
            "url": f"{self._repo_url()}/labels/{urllib.parse.quote(name)}",
            "name": name,
            "color": color,
            "default": False,
            "description": description,
        }
        self.labels[name] = label
        return label

    def _new_issue(
        self, number: int | None, title: str, body: str, labels: list[str], author: JsonObject
    ) -> JsonObject:
        number = number if number is not None else max([0, *self.issues]) + 1
        url = f"{self._repo_url()}/issues/{number}"
        issue = {
            "id": next(self._ids),
            "node_id": f"I_{number}",
            "url": url,
            "repository_url": self._repo_url(),
            "labels_url": url + "/labels{/name}",
            "comments_url": url + "/comments",
            "events_url": url + "/events",
            "html_url": self._html(f"issues/{number}"),
            "number": number,
            "state": "open",
            "state_reason": None,
            "title": title,
            "body": body,
            "user": author,
            "labels": [self._label(name) for name in labels],  # GitHub creates labels an issue names
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "locked": False,
            "comments": 0,
            "closed_at": None,
            "created_at": now(),
            "updated_at": now(),
            "author_association": "NONE",
        }
        self.issues[number] = issue
        return issue

    def _issue(self, number: str) -> JsonObject:
        issue = self.issues.get(int(number))
        if issue is None:
            raise Reply(404, {"message": "Not Found", "documentation_url": DOCS})
        return issue

    def _list_issues(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        state = request.query.get("state", "open")
        wanted = [n.strip().lower() for n in request.query.get("labels", "").split(",") if n.strip()]
        found = []
        for issue in sorted(self.issues.values(), key=lambda i: i["number"], reverse=True):
            names = {label["name"].lower() for label in issue["labels"]}
            if (state == "all" or issue["state"] == state) and all(n in names for n in wanted):
                found.append(self._public(issue))
        return self._page(request, found)

    def _create_issue(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        body = self._require(request.body, "title")
        labels = [str(n) for n in body.get("labels") or []]
        issue = self._new_issue(None, str(body["title"]), self._body(body.get("body")), labels, self._actor())
        return 201, self._public(issue), {"Location": issue["url"]}

    def _get_issue(self, _request: Request, number: str) -> tuple[int, Any, dict[str, str]]:
        return 200, self._public(self._issue(number)), {}

    def _update_issue(self, request: Request, number: str) -> tuple[int, Any, dict[str, str]]:
        issue, body = self._issue(number), self._require(request.body)
        if "title" in body:
            issue["title"] = str(body["title"])
        if "body" in body:
            issue["body"] = self._body(body["body"])
        if "labels" in body:
            issue["labels"] = [self._label(str(n)) for n in body["labels"]]
        if "state" in body:
            if body["state"] not in ("open", "closed"):
                raise Reply(422, {"message": "Validation Failed", "documentation_url": DOCS})
            issue["state"] = body["state"]
            issue["closed_at"] = now() if body["state"] == "closed" else None
            issue["state_reason"] = body.get("state_reason") or ("completed" if body["state"] == "closed" else None)
        issue["updated_at"] = now()
        return 200, self._public(issue), {}

    def _list_labels(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        return self._page(request, list(self.labels.values()))

    def _create_label(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        body = self._require(request.body, "name")
        name = str(body["name"])
        if any(k.lower() == name.lower() for k in self.labels):
            raise Reply(
                422,
                {
                    "message": "Validation Failed",
                    "errors": [{"resource": "Label", "code": "already_exists", "field": "name"}],
                    "documentation_url": DOCS,
                },
            )
        return 201, self._label(name, str(body.get("color") or "ededed"), body.get("description")), {}

    # ------------------------------------------------------------------ comments

    def _new_comment(self, number: int, body: str, author: JsonObject) -> JsonObject:
        comment_id = next(self._ids)
        comment = {
            "id": comment_id,
            "node_id": f"IC_{comment_id}",
            "url": f"{self._repo_url()}/issues/comments/{comment_id}",
            "html_url": self._html(f"issues/{number}#issuecomment-{comment_id}"),
            "issue_url": f"{self._repo_url()}/issues/{number}",
            "body": body,
            "user": author,
            "created_at": now(),
            "updated_at": now(),
            "author_association": "NONE",
            "_issue": number,
        }
        self.comments[comment_id] = comment
        self.issues[number]["comments"] += 1
        return comment

    def _comment(self, comment_id: str) -> JsonObject:
        comment = self.comments.get(int(comment_id))
        if comment is None:
            raise Reply(404, {"message": "Not Found", "documentation_url": DOCS})
        return comment

    def _list_comments(self, request: Request, number: str) -> tuple[int, Any, dict[str, str]]:
        self._issue(number)
        found = [self._public(c) for c in self.comments.values() if c["_issue"] == int(number)]
        return self._page(request, found)

    def _create_comment(self, request: Request, number: str) -> tuple[int, Any, dict[str, str]]:
        self._issue(number)
        body = self._require(request.body, "body")
        comment = self._new_comment(int(number), self._body(body["body"]), self._actor())
        return 201, self._public(comment), {"Location": comment["url"]}

    def _get_comment(self, _request: Request, comment_id: str) -> tuple[int, Any, dict[str, str]]:
        return 200, self._public(self._comment(comment_id)), {}

    def _update_comment(self, request: Request, comment_id: str) -> tuple[int, Any, dict[str, str]]:
        comment, body = self._comment(comment_id), self._require(request.body, "body")
        comment["body"], comment["updated_at"] = self._body(body["body"]), now()
        return 200, self._public(comment), {}

    # ------------------------------------------------------------------ deployments

    def _deployment(self, deployment_id: str) -> JsonObject:
        deployment = self.deployments.get(int(deployment_id))
        if deployment is None:
            raise Reply(404, {"message": "Not Found", "documentation_url": DOCS})
        return deployment

    def _list_deployments(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        filters = {k: request.query[k] for k in ("sha", "ref", "task", "environment") if k in request.query}
        found = [
            self._public(d)
            for d in sorted(self.deployments.values(), key=lambda d: d["id"], reverse=True)
            if all(str(d[k]) == v for k, v in filters.items())
        ]
        return self._page(request, found)

    def _create_deployment(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        body = self._require(request.body, "ref")
        if "required_contexts" in body and not isinstance(body["required_contexts"], list):
            raise Reply(422, {"message": "Validation Failed", "documentation_url": DOCS})
        deployment_id = next(self._ids)
        url = f"{self._repo_url()}/deployments/{deployment_id}"
        environment = str(body.get("environment") or "production")
        payload = body.get("payload", "")
        if isinstance(payload, str) and payload:
            try:
                payload = json.loads(payload)  # GitHub stores a JSON string payload as the object it encodes
            except ValueError:
                raise Reply(422, {"message": "Validation Failed", "documentation_url": DOCS}) from None
        deployment = {
            "url": url,
            "id": deployment_id,
            "node_id": f"DE_{deployment_id}",
            "sha": str(body["ref"]) if re.fullmatch(r"[0-9a-f]{40}", str(body["ref"])) else "0" * 40,
            "ref": str(body["ref"]),
            "task": str(body.get("task") or "deploy"),
            "payload": payload,
            "original_environment": environment,
            "environment": environment,
            "description": body.get("description"),
            "creator": self._actor(),
            "created_at": now(),
            "updated_at": now(),
            "statuses_url": url + "/statuses",
            "repository_url": self._repo_url(),
            "transient_environment": bool(body.get("transient_environment", False)),
            "production_environment": bool(body.get("production_environment", environment == "production")),
            "_auto_merge": body.get("auto_merge", True),
            "_required_contexts": body.get("required_contexts"),
        }
        self.deployments[deployment_id] = deployment
        self.statuses[deployment_id] = []
        return 201, self._public(deployment), {}

    def _get_deployment(self, _request: Request, deployment_id: str) -> tuple[int, Any, dict[str, str]]:
        return 200, self._public(self._deployment(deployment_id)), {}

    def _list_statuses(self, request: Request, deployment_id: str) -> tuple[int, Any, dict[str, str]]:
        self._deployment(deployment_id)
        return self._page(request, self.statuses[int(deployment_id)])

    def _status(self, deployment: JsonObject, state: str, description: str, log_url: str) -> JsonObject:
        status_id = next(self._ids)
        status = {
            "url": f"{deployment['url']}/statuses/{status_id}",
            "id": status_id,
            "node_id": f"DES_{status_id}",
            "state": state,
            "creator": self._actor(),
            "description": description,
            "environment": deployment["environment"],
            "target_url": log_url,
            "log_url": log_url,
            "environment_url": "",
            "created_at": now(),
            "updated_at": now(),
            "deployment_url": deployment["url"],
            "repository_url": self._repo_url(),
        }
        self.statuses[deployment["id"]].insert(0, status)  # newest first, as GitHub lists them
        return status

    def _create_status(self, request: Request, deployment_id: str) -> tuple[int, Any, dict[str, str]]:
        deployment, body = self._deployment(deployment_id), self._require(request.body, "state")
        state, description = str(body["state"]), str(body.get("description") or "")
        if state not in STATUS_STATES or len(description) > DESCRIPTION_LIMIT:
            raise Reply(422, {"message": "Validation Failed", "documentation_url": DOCS})
        log_url = str(body.get("log_url") or body.get("target_url") or "")
        status = self._status(deployment, state, description, log_url)
        if state == "success" and body.get("auto_inactive", True):
            for other in self.deployments.values():
                earlier = other["id"] < deployment["id"] and other["environment"] == deployment["environment"]
                history = self.statuses[other["id"]]
                stable = not other["transient_environment"] and not other["production_environment"]
                if earlier and stable and history and history[0]["state"] == "success":
                    self._status(other, "inactive", "", history[0]["log_url"])
        return 201, status, {}

    # ------------------------------------------------------------------ views for tests

    def deployments_in(self, environment: str) -> list[JsonObject]:
        with self._lock:
            return [d for d in self.deployments.values() if d["environment"] == environment]

    def state_json(self) -> str:
        """Everything the stand-in keeps (issues, comments, labels, deployments with payloads and fields,
        statuses with their URLs), as JSON: what a later reader of the repository would see."""
        with self._lock:
            return json.dumps(
                [self.issues, self.comments, self.labels, self.deployments, self.statuses], default=str, sort_keys=True
            )

    def wire(self) -> Iterator[tuple[str, str]]:
        """(part, text) of every request received: its path with the query, its headers and its body."""
        with self._lock:
            logged = list(self.requests)
        for request in logged:
            yield "path and query", request.raw_path
            yield "headers", json.dumps(request.headers)
            yield "body", json.dumps(request.body)

    def all_bodies(self) -> Iterator[str]:
        """Every text the action wrote to GitHub: comments, issues, deployment payloads and statuses."""
        with self._lock:
            for comment in self.comments.values():
                yield comment["body"]
            for issue in self.issues.values():
                yield issue["title"]
                yield issue["body"] or ""
            for deployment in self.deployments.values():
                yield json.dumps(deployment["payload"])
                yield deployment["description"] or ""
            for history in self.statuses.values():
                yield from (s["description"] for s in history)
