"""A loopback HTTP proxy in front of a real server (moto), able to inject faults: an S3 that throttles,
resets connections or answers slowly, as a real one does under load.

``with FaultProxy(upstream) as proxy:`` → ``proxy.url`` is an endpoint URL for boto3. Every request is
forwarded unchanged (method, path, query, headers, body) and logged (:attr:`FaultProxy.requests`) with its
headers and body, so a test can search them too. Faults are scripted by method and path
(:meth:`FaultProxy.add`); each one that fires is recorded (:attr:`FaultProxy.fired`), and
:attr:`FaultProxy.pending` counts those scheduled that never fired.
"""

from __future__ import annotations

import re
import socket
import struct
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# S3's answer when it sheds load (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message><RequestId>FAULTPROXY</RequestId></Error>"
)


def s3_error(code: str) -> bytes:
    """S3's error body with ``code`` (the same shape as SlowDown's)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{code}</Message>'
        "<RequestId>FAULTPROXY</RequestId></Error>"
    ).encode()


HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"})


@dataclass
class ProxyFault:
    kind: str  # status | reset | delay
    method: str | None = None
    path: re.Pattern[str] | None = None
    times: int = 1
    status: int = 503
    seconds: float = 0.0
    body: bytes = SLOW_DOWN


@dataclass(frozen=True, slots=True)
class ProxiedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    fault: str | None


@dataclass
class FaultProxy:
    upstream: str  # http://host:port
    requests: list[ProxiedRequest] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)  # "kind METHOD path" of each fault that fired

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[ProxyFault] = []
        self._server: ThreadingHTTPServer | None = None
        target = urllib.parse.urlsplit(self.upstream)
        self._host, self._port = target.hostname or "127.0.0.1", target.port or 80

    # ------------------------------------------------------------------ control

    def add(
        self,
        kind: str,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        status: int = 503,
        seconds: float = 0.0,
        code: str | None = None,
    ) -> None:
        """The next ``times`` requests matching ``method`` and ``path`` (a regex searched in the path) get
        a ``status`` answer (S3's SlowDown body, or S3's error body with ``code``, e.g. NoSuchKey or
        AccessDenied), a connection ``reset``, or a ``delay`` of ``seconds``."""
        assert kind in ("status", "reset", "delay"), kind
        compiled = re.compile(path) if path else None
        with self._lock:
            body = s3_error(code) if code else SLOW_DOWN
            self._faults.append(ProxyFault(kind, method, compiled, times, status, seconds, body))

    @property
    def pending(self) -> int:
        with self._lock:
            return sum(f.times for f in self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def count(self, method: str, path: str = "") -> int:
        """Requests of ``method`` whose path matches ``path`` (a regex searched in the path)."""
        return sum(1 for r in self.requests if r.method == method and re.search(path, r.path))

    def _take(self, method: str, path: str) -> ProxyFault | None:
        with self._lock:
            for fault in self._faults:
                if (fault.method is None or fault.method == method) and (fault.path is None or fault.path.search(path)):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    self.fired.append(f"{fault.kind} {method} {path}")
                    return fault
        return None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> FaultProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                proxy._handle(self)

            do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "enter the proxy first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # ------------------------------------------------------------------ HTTP

    @staticmethod
    def _read_body(http: BaseHTTPRequestHandler) -> bytes:
        if http.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(http.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while http.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(http.rfile.read(size))
                http.rfile.readline()
        length = int(http.headers.get("Content-Length") or 0)
        return http.rfile.read(length) if length else b""

    def _handle(self, http: BaseHTTPRequestHandler) -> None:
        parts = urllib.parse.urlsplit(http.path)
        body = self._read_body(http)
        method = http.command.upper()
        fault = self._take(method, parts.path)
        headers = {k: v for k, v in http.headers.items()}
        with self._lock:
            self.requests.append(
                ProxiedRequest(method, parts.path, parts.query, headers, body, fault.kind if fault else None)
            )
        if fault is not None and fault.kind == "reset":
            # RST instead of FIN: the client sees "connection reset by peer", as behind a failing balancer.
            http.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            http.close_connection = True
            http.connection.close()
            return
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.seconds)
        if fault is not None and fault.kind == "status":
            self._answer(http, fault.status, {"Content-Type": "application/xml"}, fault.body, method)
            return
        forwarded = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
        if "Transfer-Encoding" in headers or "transfer-encoding" in headers:
            forwarded["Content-Length"] = str(len(body))
        upstream = HTTPConnection(self._host, self._port, timeout=30)
        try:
            try:
                upstream.request(method, http.path, body=body or None, headers=forwarded)
                response = upstream.getresponse()
                data = response.read()
            except OSError:  # the upstream went away (end of the test): the client sees a closed connection
                http.close_connection = True
                return
            dropped = HOP_BY_HOP if method == "HEAD" else HOP_BY_HOP | {"content-length"}
            answer = {k: v for k, v in response.getheaders() if k.lower() not in dropped}
            self._answer(http, response.status, answer, data, method)
        finally:
            upstream.close()

    @staticmethod
    def _answer(http: BaseHTTPRequestHandler, status: int, headers: dict[str, str], data: bytes, method: str) -> None:
        try:
            http.send_response(status)
            for name, value in headers.items():
                http.send_header(name, value)
            if method != "HEAD":
                http.send_header("Content-Length", str(len(data)))
            http.end_headers()
            if method != "HEAD":
                http.wfile.write(data)
        except OSError:
            pass  # the client gave up (its read timeout): nothing to answer
