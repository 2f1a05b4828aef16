"""Loopback stand-ins for the identity side of a run: GitHub's OIDC token endpoint, an AWS endpoint that
refuses (STS or SSM answering with an error body as AWS documents it), and moto's server on a free port.

Everything is real HTTP on 127.0.0.1, so the code under test runs its real clients (httpx, botocore).
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import httpx

# Shaped like a GitHub OIDC JWT (three base64url parts) and distinctive, so a leak is easy to spot.
ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmFsaWEtYm90L2FsaWEtYm90In0.oidc-leak-canary-signature"
REQUEST_TOKEN = "request-token-leak-canary-0123456789"


@dataclass
class Seen:
    """One request a stand-in received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class _State:
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Server:
    """A ThreadingHTTPServer on a free loopback port, run in a daemon thread."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.state = _State()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.standin = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def seen(self) -> list[Seen]:
        with self.state.lock:
            return list(self.state.seen)

    def record(self, handler: BaseHTTPRequestHandler) -> Seen:
        parts = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        seen = Seen(
            handler.command,
            parts.path,
            urllib.parse.parse_qs(parts.query, keep_blank_values=True),
            {k.lower(): v for k, v in handler.headers.items()},
            handler.rfile.read(length) if length else b"",
        )
        with self.state.lock:
            self.state.seen.append(seen)
        return seen

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    @property
    def standin(self) -> Any:
        return self.server.standin  # type: ignore[attr-defined]

    def reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return


class _OidcHandler(_Handler):
    def do_GET(self) -> None:
        standin: OidcStandIn = self.standin
        seen = standin.record(self)
        if seen.path != "/token":
            self.reply(404, b'{"message":"Not Found"}', "application/json")
        elif seen.headers.get("authorization") != f"Bearer {standin.request_token}":
            self.reply(401, b'{"message":"Bad credentials"}', "application/json")
        elif seen.query.get("api-version") != ["2.0"] or seen.query.get("audience") != [standin.audience]:
            self.reply(400, b'{"message":"wrong api-version or audience"}', "application/json")
        else:
            body = json.dumps({"count": len(standin.id_token), "value": standin.id_token}).encode()
            self.reply(200, body, "application/json; charset=utf-8")


class OidcStandIn(_Server):
    """GitHub's OIDC token endpoint: ``GET /token?api-version=2.0&audience=…`` with the request bearer token.

    Answers 401 to another bearer token and 400 to another audience, as a strict endpoint would; the
    variables a job with ``id-token: write`` receives are :meth:`env`.
    """

    def __init__(
        self, *, id_token: str = ID_TOKEN, request_token: str = REQUEST_TOKEN, audience: str = "sts.amazonaws.com"
    ) -> None:
        super().__init__(_OidcHandler)
        self.id_token, self.request_token, self.audience = id_token, request_token, audience

    def env(self) -> dict[str, str]:
        return {
            "ACTIONS_ID_TOKEN_REQUEST_URL": f"{self.url}/token?api-version=2.0",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": self.request_token,
        }


class _RefusalHandler(_Handler):
    def do_POST(self) -> None:
        standin: AwsRefusal = self.standin
        standin.record(self)
        self.reply(standin.status, standin.body.encode(), standin.content_type)


class AwsRefusal(_Server):
    """An AWS endpoint that answers every request with one error, in the service's documented wire format."""

    def __init__(self, status: int, body: str, content_type: str) -> None:
        super().__init__(_RefusalHandler)
        self.status, self.body, self.content_type = status, body, content_type

    @classmethod
    def sts(cls, code: str, message: str, status: int = 403) -> AwsRefusal:
        """STS's query-protocol error (``ErrorResponse`` XML), e.g. AccessDenied or InvalidIdentityToken."""
        body = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{_xml(message)}</Message></Error>"
            "<RequestId>4f3c2a1e-0000-4000-8000-000000000000</RequestId></ErrorResponse>"
        )
        return cls(status, body, "text/xml")

    @classmethod
    def ssm(cls, code: str, message: str, status: int = 400) -> AwsRefusal:
        """SSM's JSON 1.1 error, e.g. AccessDeniedException."""
        return cls(status, json.dumps({"__type": code, "message": message}), "application/x-amz-json-1.1")


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@contextmanager
def moto_server() -> Iterator[str]:
    """moto in server mode on a free loopback port; yields its URL (for ``AWS_ENDPOINT_URL``)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def moto_reset(url: str) -> None:
    """Forget every resource (moto's backends are per process, shared by every server in it)."""
    httpx.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()


def moto_assumed_roles(url: str) -> list[dict[str, Any]]:
    """The sessions moto's STS handed out (its dashboard's data endpoint): role, session name, credentials."""
    data: dict[str, Any] = httpx.get(f"{url}/moto-api/data.json", timeout=10).json()
    roles: list[dict[str, Any]] = data.get("sts", {}).get("AssumedRole", [])
    return roles
