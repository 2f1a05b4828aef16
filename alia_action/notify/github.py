"""GitHub through PyGithub: one repository's API, and GitHub's refusals in plain words. Where this run is lives in
``notify/run.py``; the failure issues that the deploy handlers and the health alerts share, in ``notify/issues.py``.

PyGithub (and requests under it) is imported inside :meth:`GitHubRepo.__init__` only, so importing this
module costs nothing: ``detect`` outside pull requests never loads it. The API base URL is
``GITHUB_API_URL`` (GitHub Enterprise Server, or a test stand-in); PyGithub's default applies only when it
is unset, which the runner never leaves it.

Every call goes through :meth:`GitHubRepo.call`, which turns any failure into a :class:`GitHubError`:
one sentence naming what was attempted and, for a 403, the ``permissions:`` entry the job needs. Nothing
of the token reaches a message: PyGithub keeps it in a header that no exception text includes, and the
messages are built from the status and GitHub's ``message`` field only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import DeployError
from ..redaction import Redact, excerpt
from ..workflow import inline
from .run import RunInfo

if TYPE_CHECKING:
    from github.Deployment import Deployment
    from github.Issue import Issue
    from github.IssueComment import IssueComment

T = TypeVar("T")

# The permissions a job grants its GITHUB_TOKEN, as a workflow's `permissions:` block spells them.
PULL_REQUESTS_WRITE = "pull-requests: write"
ISSUES_READ = "issues: read"
ISSUES_WRITE = "issues: write"
DEPLOYMENTS_READ = "deployments: read"
DEPLOYMENTS_WRITE = "deployments: write"
# GitHub's X-Accepted-GitHub-Permissions names them with underscores: pull_requests=write.
_ACCEPTED = re.compile(r"([a-z_]+)=(read|write|admin)")
_GITHUB_MESSAGE_CHARS = 200


class GitHubError(DeployError):
    """GitHub refused or failed one request. ``status`` is None when GitHub was not reached at all;
    ``rate_limited``: GitHub was still limiting the rate after the waits :meth:`GitHubRepo.call` allows."""

    def __init__(
        self, message: str, *, status: int | None = None, permission: str | None = None, rate_limited: bool = False
    ) -> None:
        super().__init__(message)
        self.status = status
        self.permission = permission
        self.rate_limited = rate_limited

    @property
    def forbidden(self) -> bool:
        """A permission refusal (a rate limit is answered 403 too, and is none)."""
        return self.status == 403 and not self.rate_limited

    @property
    def configuration(self) -> bool:
        """A mistake the workflow's author must fix (token, permissions, repository), not a passing fault."""
        return self.status in (401, 403, 404) and not self.rate_limited


@dataclass(frozen=True, slots=True)
class Options:
    """PyGithub's tuning. Writes keep GitHub's advice of a second apart; tests pass faster values."""

    timeout: int = 10
    retries: int = 3
    backoff: float = 0.5
    seconds_between_writes: float | None = 1.0
    per_page: int = 100
    max_rate_limit_wait: float = 180.0  # waited for rate limits within one call at most, then it fails
    secondary_wait: float = 60.0  # a secondary limit without Retry-After: GitHub asks for at least a minute


def _header(exc: BaseException, name: str) -> str | None:
    headers = getattr(exc, "headers", None) or {}
    return next((str(v) for k, v in headers.items() if k.lower() == name), None)


def rate_limit_wait(exc: BaseException, secondary_wait: float, now: float | None = None) -> float | None:
    """Seconds to wait before repeating a request GitHub rate limited, or None when it was no rate limit.

    GitHub signals both kinds with 403 or 429: ``Retry-After`` (seconds) when it says how long; a primary limit
    with ``X-RateLimit-Remaining: 0`` and ``X-RateLimit-Reset`` (epoch seconds); a secondary one by its message.
    """
    import time

    status = getattr(exc, "status", None)
    if status not in (403, 429):
        return None
    retry_after = _header(exc, "retry-after")
    if retry_after is not None and retry_after.strip().isdigit():
        return float(retry_after.strip())
    if _header(exc, "x-ratelimit-remaining") == "0":
        reset = _header(exc, "x-ratelimit-reset") or ""
        if reset.strip().isdigit():
            return max(float(reset) - (now if now is not None else time.time()), 0.0) + 1.0
        return secondary_wait
    if "rate limit" in github_message(exc).lower() or status == 429:
        return secondary_wait
    return None


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the token writes as, to recognise our own comments and issues.

    ``GET /user`` names a user's token. An installation token (the job's ``GITHUB_TOKEN``, a GitHub App's)
    is refused there; it writes as an app (``github-actions[bot]``, ``my-app[bot]``), so then any author
    whose login ends in ``[bot]`` counts: a person can copy our hidden marker, but cannot post as a bot.
    """

    login: str | None

    def owns(self, author: str | None) -> bool:
        if not author:
            return False
        return author == self.login if self.login else author.endswith("[bot]")


def github_message(exc: BaseException, redact: Redact = str) -> str:
    """GitHub's own ``message`` of a failed request, one line and short (it is untrusted text: redacted whole
    before it is shortened)."""
    data = getattr(exc, "data", None)
    text = str(data.get("message") or "") if isinstance(data, dict) else ""
    return excerpt(inline(text), _GITHUB_MESSAGE_CHARS, redact)


def accepted_permissions(exc: BaseException) -> list[str]:
    """The permissions GitHub says would have allowed the request (``X-Accepted-GitHub-Permissions``)."""
    headers = getattr(exc, "headers", None) or {}
    value = next((str(v) for k, v in headers.items() if k.lower() == "x-accepted-github-permissions"), "")
    return [f"{name.replace('_', '-')}: {level}" for name, level in _ACCEPTED.findall(value)]


def _cause(exc: BaseException) -> str:
    """The innermost named cause of a connection failure (requests wraps urllib3's: a read timeout arrives as a
    ConnectionError around a MaxRetryError around a ReadTimeoutError). Names only: messages carry URLs."""
    names = [type(exc).__name__]
    inner: object = exc.args[0] if exc.args else None
    for _ in range(3):
        reason = getattr(inner, "reason", None)
        if not isinstance(reason, BaseException):
            break
        names.append(type(reason).__name__)
        inner = reason
    last = names[-1]
    return "timed out" if "Timeout" in last else last


def explain(
    exc: BaseException,
    *,
    doing: str,
    permission: str,
    repository: str,
    waited: float | None = None,
    redact: Redact = str,
) -> GitHubError:
    """One plain sentence for a failed request: what we tried, what GitHub said, what to change. ``waited``:
    the request was rate limited, and this is how long was waited in vain."""
    status = getattr(exc, "status", None)
    if not isinstance(status, int):
        return GitHubError(f"could not reach GitHub to {doing} ({_cause(exc)})")
    said = github_message(exc, redact)
    said = f": {said}" if said else ""
    if waited is not None:
        return GitHubError(
            f"GitHub's rate limit still held after waiting {waited:.0f}s to {doing} (HTTP {status}{said}); "
            "run it again later",
            status=status,
            rate_limited=True,
        )
    if status == 401:
        return GitHubError(
            f"GitHub rejected the token while trying to {doing} (HTTP 401{said}); check the github-token input",
            status=status,
        )
    if status == 403 and "rate limit" not in said.lower():
        accepted = accepted_permissions(exc)
        needed = permission if not accepted or permission in accepted else " or ".join(accepted)
        return GitHubError(
            f"GitHub refused to {doing} (HTTP 403{said}): the job's token needs `{needed}` "
            "(add it to the job's `permissions:`)",
            status=status,
            permission=needed,
        )
    if status == 404:
        return GitHubError(
            f"GitHub answered 404 to {doing}{said}: {repository} does not exist for this token, or the token "
            f"cannot see it (it needs `{permission}`)",
            status=status,
            permission=permission,
        )
    return GitHubError(f"GitHub failed to {doing} (HTTP {status}{said})", status=status)


@dataclass(frozen=True, slots=True)
class Posted:
    """A comment or issue written: its number or id, its address, and whether it is new."""

    number: int
    url: str
    created: bool


@dataclass
class GitHubRepo:
    """One repository through PyGithub. Objects are lazy: nothing is requested until needed."""

    token: str = field(repr=False)
    run: RunInfo
    options: Options = field(default_factory=Options)
    on_wait: Callable[[str], None] = lambda _line: None  # told when a rate limit is waited out
    redact: Redact = str  # the run's registry: what GitHub says is scrubbed before it is quoted

    def __post_init__(self) -> None:
        import logging

        from github import Auth, Github, set_log_level

        from .. import __version__

        # PyGithub logs to stderr by itself (INFO and up), past our redaction and workflow-command escaping;
        # every failure reaches us as an exception anyway, and is reported through Workflow.
        set_log_level(logging.CRITICAL)

        from urllib3.util.retry import Retry

        # 5xx and dropped connections are retried here; rate limits (403/429) in :meth:`call`, for every method.
        retry = Retry(
            total=self.options.retries,
            connect=1,
            backoff_factor=self.options.backoff,
            # POST is not repeated: a create answered 5xx may have happened, and must not happen twice.
            allowed_methods=frozenset({"GET", "HEAD", "PATCH"}),
            status_forcelist=list(range(500, 600)),
            raise_on_status=False,  # the last answer reaches PyGithub, which raises with its status
        )
        kwargs: dict[str, Any] = {"base_url": self.run.api_url} if self.run.api_url else {}
        self._github = Github(
            auth=Auth.Token(self.token),
            timeout=self.options.timeout,
            user_agent=f"command-deploy/{__version__}",
            per_page=self.options.per_page,
            retry=retry,
            seconds_between_requests=None,  # requests are serial already, which is all GitHub asks of reads
            seconds_between_writes=self.options.seconds_between_writes,
            lazy=True,
            **kwargs,
        )
        self.repo = self._github.get_repo(self.run.repository)
        self._identity: Identity | None = None

    def close(self) -> None:
        self._github.close()

    def __enter__(self) -> GitHubRepo:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def call(self, doing: str, permission: str, request: Callable[[], T]) -> T:
        """Run ``request``; a rate limit (primary or secondary, with or without ``Retry-After``) is waited out and
        the request repeated, up to ``max_rate_limit_wait`` seconds in all (a rate-limited request was not
        processed, so a POST is safe to repeat); any other failure becomes a :class:`GitHubError` that says what
        to change."""
        import time

        import requests
        from github import GithubException

        waited = 0.0
        while True:
            try:
                return request()
            except GithubException as exc:
                wait = rate_limit_wait(exc, self.options.secondary_wait)
                if wait is not None and waited + wait <= self.options.max_rate_limit_wait:
                    self.on_wait(f"GitHub rate limited the request to {doing}: waiting {wait:.0f}s, then repeating it")
                    time.sleep(wait)
                    waited += wait
                    continue
                limited = waited if wait is not None else None
                raise explain(
                    exc,
                    doing=doing,
                    permission=permission,
                    repository=self.run.repository,
                    waited=limited,
                    redact=self.redact,
                ) from None
            except (requests.RequestException, OSError) as exc:
                raise explain(
                    exc, doing=doing, permission=permission, repository=self.run.repository, redact=self.redact
                ) from None

    # ------------------------------------------------------------------ identity

    def identity(self) -> Identity:
        """Who the token writes as (one ``GET /user``, remembered)."""
        if self._identity is None:
            try:
                login = self.call("read the token's user", "", lambda: self._github.get_user().login)
            except GitHubError as exc:
                if exc.status not in (403, 404):  # an installation token is no user: 403
                    raise
                login = None
            self._identity = Identity(login)
        return self._identity

    def _own(
        self, items: Iterable[T], marker: str, body: Callable[[T], str | None], author: Callable[[T], str]
    ) -> T | None:
        for item in items:
            if marker in (body(item) or "") and self.identity().owns(author(item)):
                return item
        return None

    # ------------------------------------------------------------------ comments

    def upsert_comment(self, number: int, marker: str, body: str) -> Posted:
        """The one comment of ours carrying ``marker`` on issue or PR ``number``: updated, else created."""
        issue = self.repo.get_issue(number)
        comments: list[IssueComment] = self.call(
            f"read the comments of pull request #{number}", PULL_REQUESTS_WRITE, lambda: list(issue.get_comments())
        )
        mine = self._own(comments, marker, lambda c: c.body, lambda c: c.user.login)
        if mine is None:
            created = self.call(
                f"comment on pull request #{number}", PULL_REQUESTS_WRITE, lambda: issue.create_comment(body)
            )
            return Posted(created.id, created.html_url, True)
        if mine.body != body:
            self.call(f"update the comment on pull request #{number}", PULL_REQUESTS_WRITE, lambda: mine.edit(body))
        return Posted(mine.id, mine.html_url, False)

    # ------------------------------------------------------------------ issues

    def find_open_issue(self, marker: str, label: str | None) -> Issue | None:
        """Our open issue carrying ``marker`` (searched among the open issues with ``label``)."""
        from github.GithubObject import NotSet

        labels: Any = [label] if label else NotSet
        doing = f"list the open issues labelled {label!r}" if label else "list the open issues"
        found: Issue | None = self.call(
            doing,
            ISSUES_READ,
            lambda: self._own(
                self.repo.get_issues(state="open", labels=labels), marker, lambda i: i.body, lambda i: i.user.login
            ),
        )
        return found

    def ensure_labels(self, labels: Iterable[str], color: str, description: str) -> list[str]:
        """Create the labels that do not exist yet. A refusal is returned as a note, not raised: an issue
        without its label still reports the failure."""
        wanted = list(labels)
        if not wanted:
            return []
        notes: list[str] = []
        try:
            existing = self.call(
                "list the labels", ISSUES_READ, lambda: {lb.name.lower() for lb in self.repo.get_labels()}
            )
        except GitHubError as exc:
            return [str(exc)]
        for name in wanted:
            if name.lower() in existing:
                continue
            try:
                self.call(
                    f"create the label {name!r}",
                    ISSUES_WRITE,
                    partial(self.repo.create_label, name, color, description),
                )
            except GitHubError as exc:
                if exc.status != 422:  # 422: another run created it meanwhile
                    notes.append(str(exc))
        return notes

    def create_issue(self, title: str, body: str, labels: Iterable[str]) -> Posted:
        issue = self.call(
            "open an issue", ISSUES_WRITE, lambda: self.repo.create_issue(title=title, body=body, labels=list(labels))
        )
        return Posted(issue.number, issue.html_url, True)

    def comment_issue(self, issue: Issue, body: str) -> Posted:
        comment = self.call(f"comment on issue #{issue.number}", ISSUES_WRITE, lambda: issue.create_comment(body))
        return Posted(issue.number, comment.html_url, False)

    def close_issue(self, issue: Issue) -> None:
        self.call(
            f"close issue #{issue.number}", ISSUES_WRITE, lambda: issue.edit(state="closed", state_reason="completed")
        )

    # ------------------------------------------------------------------ deployments

    def create_deployment(
        self, *, ref: str, environment: str, task: str, payload: dict[str, Any], description: str, production: bool
    ) -> Deployment:
        deployment: Deployment = self.call(
            f"create a deployment in environment {environment!r}",
            DEPLOYMENTS_WRITE,
            lambda: self.repo.create_deployment(
                ref=ref,
                task=task,
                auto_merge=False,
                required_contexts=[],
                payload=payload,
                environment=environment,
                description=description,
                transient_environment=False,
                production_environment=production,
            ),
        )
        return deployment

    def create_status(self, deployment: Deployment, *, state: str, description: str, log_url: str | None) -> None:
        """A deployment status. PyGithub's ``create_status`` predates ``log_url``; its requester sends it."""
        body: dict[str, Any] = {"state": state, "description": description}
        if log_url:
            body["log_url"] = log_url
        from github import Consts

        # The media types PyGithub's create_status sends: in_progress and log_url came with these previews.
        accept = f"{Consts.deploymentEnhancementsPreview}, {Consts.deploymentStatusEnhancementsPreview}"
        self.call(
            f"set the status of deployment {deployment.id} to {state}",
            DEPLOYMENTS_WRITE,
            lambda: deployment.requester.requestJsonAndCheck(
                "POST", f"{deployment.url}/statuses", input=body, headers={"Accept": accept}
            ),
        )

    def deployments(self, *, environment: str, task: str) -> Iterator[Deployment]:
        """Deployments of ``environment`` for ``task``, newest first, fetched page by page as consumed."""
        pages = self.repo.get_deployments(environment=environment, task=task)
        number = 0
        while True:
            # Page by page, each one a request of its own: a rate-limited page is fetched again, where a list
            # iterator, once broken, would end as if the list had (a record read short, without a word).
            page = self.call(
                f"list the deployments of {environment!r}",
                DEPLOYMENTS_READ,
                lambda n=number: pages.get_page(n),  # type: ignore[misc]
            )
            yield from page
            if len(page) < self.options.per_page:
                return
            number += 1

    def latest_status(self, deployment: Deployment) -> str | None:
        """The state of a deployment's newest status (GitHub lists them newest first); None without one."""
        statuses = self.call(
            f"read the statuses of deployment {deployment.id}",
            DEPLOYMENTS_READ,
            lambda: deployment.get_statuses().get_page(0),
        )
        return str(statuses[0].state) if statuses else None
