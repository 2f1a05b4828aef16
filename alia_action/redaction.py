"""The run's secrets registry: every secret learnt (inputs, environment, Parameter Store, OIDC, STS) is
added here once, and every channel (the log's mask, outputs, summary, reports, backups, ledger, metrics,
GitHub, Slack, Sentry) redacts through the same registry, so a secret learnt late still reaches all of them.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterable

from .markdown import escape as markdown_escape

# Shorter values are not masked: masking "a" or "123" would shred every log line without protecting anything.
MIN_SECRET_LENGTH = 4
REDACTED = "***"
# The runner's line breaks (StreamReader.ReadLine): LF, CRLF and a lone CR.
_LINE_BREAKS = re.compile(r"(\r\n|\r|\n)")

Redact = Callable[[str], str]


class Secrets:
    """Known secret values and the forms they take in JSON bodies and URLs. Thread-safe.

    ``on_new`` listeners hear each new whole value (no JSON/URL variant): the workflow registers one that
    prints ``::add-mask::`` so the runner masks it too.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._values: list[str] = []  # longest first, so a secret containing another goes whole
        self._listeners: list[Callable[[str], None]] = []
        self._lock = threading.RLock()
        self.add_all(secrets)

    def on_new(self, listener: Callable[[str], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def add(self, secret: str | None) -> None:
        """Register a secret. Empty and very short values are ignored; a multi-line secret is registered
        line by line too (the runner masks line by line)."""
        if not secret:
            return
        pieces = {secret, secret.strip()}
        if "\n" in secret or "\r" in secret:
            for line in _LINE_BREAKS.split(secret)[::2]:
                pieces.update({line, line.strip()})
        pieces = {p for p in pieces if len(p.strip()) >= MIN_SECRET_LENGTH}
        if not pieces:
            return
        variants = set(pieces)
        import html  # here: only a run with a secret needs it (detect's start-up, issue 21)

        for piece in pieces:  # the forms a secret takes inside JSON bodies, URLs, HTML and Markdown
            variants.add(json.dumps(piece)[1:-1])
            variants.add(urllib.parse.quote(piece, safe=""))
            variants.update({html.escape(piece), html.escape(piece, quote=False)})
            if not any(char.isspace() for char in piece):  # escape() flattens whitespace: only whole words map
                variants.add(markdown_escape(piece))
        with self._lock:
            new = variants.difference(self._values)
            self._values = sorted(set(self._values) | variants, key=len, reverse=True)
            for piece in sorted(new & pieces, key=len, reverse=True):
                if "\n" not in piece and "\r" not in piece:
                    for listener in self._listeners:
                        listener(piece)

    def add_all(self, secrets: Iterable[str | None]) -> None:
        for secret in secrets:
            self.add(secret)

    def redact(self, text: str) -> str:
        """``text`` with every registered secret (and its JSON and URL forms) replaced by ``***``."""
        for secret in self._values:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def values(self) -> list[str]:
        """The registered values, longest first (for scrubbing third-party messages)."""
        return list(self._values)


def excerpt(text: str, limit: int, redact: Redact, *, flat: bool = True, more: str = "…") -> str:
    """The one way to shorten untrusted text (an answer's body, an error, a record's field) for a message: every
    secret is removed from the whole text first, then it is cut to ``limit`` characters (``more`` included).
    Cut first, a secret straddling the cut would leave most of itself behind, which no redaction then matches.
    ``flat``: line breaks and runs of spaces become one space (a message is one line)."""
    clean = redact(text)
    if flat:
        clean = " ".join(clean.split())
    return clean if len(clean) <= limit else clean[: max(0, limit - len(more))] + more


def redactor(secrets: Iterable[str | None]) -> Redact:
    """A redact function over a fixed set of secrets (tests and one-off texts)."""
    return Secrets(secrets).redact
