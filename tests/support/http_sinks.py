"""Loopback stand-ins for the alert channels, over real HTTP (stdlib ``http.server``):

* :class:`SlackSink`: a Slack incoming webhook. HTTPS, because Slack's are and the settings refuse
  anything else; it makes its own CA (``ca_file``) for the client to trust through ``SSL_CERT_FILE``.
* :class:`SentrySink`: a Sentry project. The SDK posts envelopes for ``http://KEY@127.0.0.1:PORT/PROJECT``
  to ``/api/PROJECT/envelope/``, gzip-compressed or not; the sink decodes them and keeps the events.

Both record every raw request too, so a test can look for secrets in exactly what went over the wire.
"""

from __future__ import annotations

import datetime as dt
import gzip
import ipaddress
import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes  # as decoded (gzip undone)


class _Server:
    """A ThreadingHTTPServer on 127.0.0.1 in a daemon thread; subclasses answer in :meth:`answer`."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if headers.get("content-encoding") == "gzip":
                    raw = gzip.decompress(raw)
                elif headers.get("content-encoding") not in (None, "identity"):
                    self._reply(415, b"unsupported content-encoding")
                    return
                request = Received("POST", self.path, headers, raw)
                with sink._lock:
                    sink.received.append(request)
                status, body = sink.answer(request)
                self._reply(status, body)

            def _reply(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def answer(self, request: Received) -> tuple[int, bytes]:
        raise NotImplementedError

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def wire_text(self) -> str:
        """Everything received (headers and decoded bodies), to search for secrets."""
        with self._lock:
            return "\n".join(json.dumps(r.headers) + "\n" + r.body.decode("utf-8", "replace") for r in self.received)


# ------------------------------------------------------------------------------------------------ Slack


def make_tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it: (ca.pem, cert.pem, key.pem)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "command-deploy test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_file, cert_file, key_file


class SlackSink(_Server):
    """``with SlackSink(tmp_path) as slack:`` → ``slack.url`` (the webhook), ``slack.messages`` (JSON bodies)."""

    PATH: ClassVar[str] = "/services/T0TEST/B0TEST/xoxsecretwebhookpart0123456789"

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.ca_file, cert_file, key_file = make_tls_files(folder)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.failures: list[int] = []  # statuses to answer with before answering 200 again

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}{self.PATH}"

    def fail_next(self, *statuses: int) -> None:
        self.failures.extend(statuses)

    def answer(self, request: Received) -> tuple[int, bytes]:
        if request.path != self.PATH:
            return 404, b"no_service"
        if self.failures:
            return self.failures.pop(0), b"invalid_payload"
        return 200, b"ok"

    @property
    def messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return [json.loads(r.body) for r in self.received if r.path == self.PATH]

    def __enter__(self) -> SlackSink:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ------------------------------------------------------------------------------------------------ Sentry


@dataclass
class Envelope:
    headers: dict[str, Any]
    items: list[tuple[dict[str, Any], bytes]] = field(default_factory=list)


def parse_envelope(body: bytes) -> Envelope:
    """Sentry's envelope format: a header line, then items (a header line, then ``length`` bytes or a line)."""
    head, _, rest = body.partition(b"\n")
    envelope = Envelope(json.loads(head))
    while rest.strip():
        item_head, _, rest = rest.partition(b"\n")
        header = json.loads(item_head)
        if "length" in header:
            payload, rest = rest[: header["length"]], rest[header["length"] :]
            rest = rest.removeprefix(b"\n")
        else:
            payload, _, rest = rest.partition(b"\n")
        envelope.items.append((header, payload))
    return envelope


class SentrySink(_Server):
    """``with SentrySink() as sentry:`` → ``sentry.dsn``, ``sentry.events`` (the decoded event payloads)."""

    KEY: ClassVar[str] = "0123456789abcdef0123456789abcdef"
    PROJECT: ClassVar[str] = "42"

    @property
    def dsn(self) -> str:
        return f"http://{self.KEY}@127.0.0.1:{self.port}/{self.PROJECT}"

    def answer(self, request: Received) -> tuple[int, bytes]:
        if request.path != f"/api/{self.PROJECT}/envelope/":
            return 404, b"not found"
        return 200, b'{"id": "ok"}'

    @property
    def envelopes(self) -> list[Envelope]:
        with self._lock:
            return [parse_envelope(r.body) for r in self.received if r.path.endswith("/envelope/")]

    @property
    def events(self) -> list[dict[str, Any]]:
        return [
            json.loads(payload)
            for envelope in self.envelopes
            for header, payload in envelope.items
            if header.get("type") == "event"
        ]

    def __enter__(self) -> SentrySink:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
