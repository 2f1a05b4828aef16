"""Workflow-command I/O: masks, outputs, the step summary, annotations, groups and safe printing.

The GitHub Actions runner reads every line a step prints (stdout and stderr) and acts on the ones
that parse as workflow commands:

* ``::name k=v,k=v::data`` after leading whitespace is trimmed (command names are case-insensitive);
* the legacy ``##[name k=v;]data``, found *anywhere* in a line;
* lines end at ``\\n``, ``\\r\\n`` or a lone ``\\r``.

``::stop-commands::TOKEN`` makes it ignore every command until a line ``::TOKEN::``. Text this
tool does not control (command names, descriptions, Discord's error bodies, PR titles) therefore
goes through :meth:`Workflow.log` with ``untrusted=True`` or :meth:`Workflow.print_untrusted`,
which neutralise command-looking lines and, in Actions, wrap them in a stop-commands block.

Outputs and the summary are file commands (``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``); outputs
use the heredoc form ``name<<DELIMITER`` with a random delimiter that never occurs in the value.

Every string this class writes passes through :meth:`Workflow.redact` first, so a secret given to
:meth:`Workflow.mask` cannot leak through a log line, an output or the summary, even outside
Actions where nothing masks it for us.

Outside Actions (``GITHUB_ACTIONS`` is not ``true``) everything degrades to plain terminal text:
no ``::`` commands, annotations as ``error: file:line: message``.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal, TextIO

from .redaction import Secrets

if TYPE_CHECKING:
    from uuid import UUID

Severity = Literal["error", "warning", "notice"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "notice")

# GitHub shows at most this many annotations of each severity per step; the rest are dropped.
ANNOTATIONS_PER_STEP = 10
# GitHub refuses a step summary larger than 1 MiB.
SUMMARY_LIMIT_BYTES = 1024 * 1024

# The runner's line breaks (StreamReader.ReadLine): LF, CRLF and a lone CR.
_LINE_BREAKS = re.compile(r"(\r\n|\r|\n)")
_OUTPUT_NAME = re.compile(r"[A-Za-z0-9_-]+")
# Characters escaped in a single-line rendering of a value: every control and Unicode line separator.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r"}


def escape_data(text: str) -> str:
    """The runner's escaping for a command's data (after the second ``::``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """The runner's escaping for a command property value (``file=``, ``title=`` …)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def inline(value: str) -> str:
    """One logical value on one line: line breaks and control characters become visible escapes."""
    return _UNPRINTABLE.sub(lambda m: _NAMED_ESCAPES.get(m.group(), f"\\x{ord(m.group()):02x}"), value)


def neutralise(text: str) -> str:
    """Make every line of ``text`` impossible to parse as a workflow command, changing it visibly but little.

    A line that starts with ``::`` (after whitespace) gets a leading backslash; ``##[`` anywhere
    becomes ``##\\[``. Line breaks are kept as they are.
    """
    parts = _LINE_BREAKS.split(text)
    for i in range(0, len(parts), 2):  # even positions are lines, odd ones the breaks between them
        line = parts[i].replace("##[", "##\\[")
        if line.lstrip().startswith("::"):
            line = "\\" + line
        parts[i] = line
    return "".join(parts)


def _could_be_command(text: str) -> bool:
    return "::" in text or "##[" in text


def _uuid4() -> UUID:
    import uuid  # here, not at the top: only runs in Actions need one, and importing it costs every start ~2 ms

    return uuid.uuid4()


class Workflow:
    """Talks to the runner (or to a terminal) for one step.

    ``environ`` decides the mode (``GITHUB_ACTIONS``) and the files (``GITHUB_OUTPUT``,
    ``GITHUB_STEP_SUMMARY``: written whenever they are set, as the file commands they are); ``stdout``
    receives the log (in Actions, everything: one stream keeps stop-commands blocks whole); ``stderr``
    (default: ``stdout``) receives annotations and debug lines outside Actions. Safe to share between threads.
    """

    def __init__(
        self,
        environ: Mapping[str, str],
        stdout: TextIO,
        stderr: TextIO | None = None,
        *,
        echo_outputs: bool = False,
        echo_summary: bool = False,
        verbose: bool | None = None,
        report_hint: str | None = None,
        secrets: Secrets | None = None,
        data: TextIO | None = None,
    ) -> None:
        self.environ = environ
        self.in_actions = environ.get("GITHUB_ACTIONS") == "true"
        self.stdout = stdout
        self.stderr = stderr if stderr is not None else stdout
        self.data = data if data is not None else stdout  # where print_json goes (--format json: alone on stdout)
        self.echo_outputs = echo_outputs
        self.echo_summary = echo_summary
        self.verbose = verbose if verbose is not None else environ.get("RUNNER_DEBUG") == "1"
        self.report_hint = report_hint
        self.outputs: dict[str, str] = {}
        self.annotation_counts: dict[Severity, int] = dict.fromkeys(SEVERITIES, 0)
        self.secrets = secrets if secrets is not None else Secrets()  # the run's registry, shared with Runtime
        self.secrets.on_new(self._add_mask)
        self._summary_truncated = False
        self._overflow_reported: dict[Severity, int] = {}
        self._lock = threading.RLock()

    @classmethod
    def from_process(
        cls,
        *,
        echo_outputs: bool = False,
        echo_summary: bool = False,
        verbose: bool | None = None,
        data_only_on_stdout: bool = False,
    ) -> Workflow:
        """The real thing: ``os.environ``, ``sys.stdout`` and ``sys.stderr``. ``data_only_on_stdout``
        (``--format json``): stdout gets the JSON document alone, every human line goes to stderr."""
        for stream in (sys.stdout, sys.stderr):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:  # an odd locale must not turn a Discord error into a crash
                reconfigure(errors="backslashreplace")
        log = sys.stderr if data_only_on_stdout else sys.stdout
        return cls(
            os.environ,
            log,
            sys.stderr,
            echo_outputs=echo_outputs,
            echo_summary=echo_summary,
            verbose=verbose,
            data=sys.stdout,
        )

    # ----------------------------------------------------------------- secrets

    def mask(self, secret: str | None) -> None:
        """Register a secret: the runner hides it from the log, and :meth:`redact` from everything else.

        Call it for every secret before anything else is printed (see :class:`~alia_action.redaction.Secrets`).
        """
        self.secrets.add(secret)

    def mask_all(self, secrets: Iterable[str | None]) -> None:
        self.secrets.add_all(secrets)

    def redact(self, text: str) -> str:
        """``text`` with every registered secret (and its JSON and URL forms) replaced by ``***``."""
        return self.secrets.redact(text)

    def _add_mask(self, piece: str) -> None:
        if self.in_actions:
            with self._lock:
                self._write(self.stdout, f"::add-mask::{escape_data(piece)}")

    # ----------------------------------------------------------------- log

    def log(self, text: str = "", *, untrusted: bool = False) -> None:
        """Print ``text`` (may span lines); it never starts a workflow command (commands have their own methods).

        Command-looking lines are always neutralised; ``untrusted=True`` (anything from users, Discord or
        GitHub) also wraps them in a stop-commands block in Actions.
        """
        if untrusted:
            self._print_protected(self.stdout, text)
        else:
            self._write(self.stdout, neutralise(self.redact(text)))

    def print_json(self, data: object, *, indent: int | None = 2) -> None:
        """Print ``data`` as JSON that parses to the same value and can never be read as a workflow command.

        Indented JSON lines start with whitespace, a bracket or a quote, never ``::``; the one remaining risk,
        a legacy ``##[`` inside a string, is written ``#\\u0023[`` (the same characters once parsed).
        """
        text = json.dumps(data, indent=indent, ensure_ascii=False)
        self._write(self.data, self.redact(text).replace("##[", "#\\u0023["))

    def print_untrusted(self, text: str) -> None:
        """Print one untrusted value on one line: its line breaks are shown as ``\\n``, never obeyed."""
        self._print_protected(self.stdout, inline(text))

    def debug(self, message: str) -> None:
        """A debug line: shown by the runner when step debug logging is on; locally with ``verbose``."""
        text = self.redact(message)
        if self.in_actions:
            self._write(self.stdout, f"::debug::{escape_data(text)}")
        elif self.verbose:
            self._print_protected(self.stderr, f"debug: {text}")

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """A collapsible section of the log (GitHub does not nest them)."""
        text = inline(self.redact(title))
        if self.in_actions:
            self._write(self.stdout, f"::group::{escape_data(text)}")
        else:
            self._write(self.stdout, f"== {neutralise(text)} ==")
        try:
            yield
        finally:
            if self.in_actions:
                self._write(self.stdout, "::endgroup::")

    # ----------------------------------------------------------------- annotations

    def annotate(
        self,
        severity: Severity,
        message: str,
        file: str | None = None,
        line: int | None = None,
        title: str | None = None,
    ) -> None:
        """An annotation on ``file``:``line``. Past 10 of a severity, a plain log line instead (GitHub's cap)."""
        if severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}; got {severity!r}")
        if line is not None and line < 1:
            line = None
        message = self.redact(message)
        file = self.redact(file) if file else None
        title = self.redact(title) if title else None
        with self._lock:
            self.annotation_counts[severity] += 1
            shown = self.annotation_counts[severity] <= ANNOTATIONS_PER_STEP
            if self.in_actions and shown:
                props = {"file": file, "line": str(line) if line else None, "title": title}
                head = ",".join(f"{k}={escape_property(v)}" for k, v in props.items() if v)
                self._write(self.stdout, f"::{severity}{' ' + head if head else ''}::{escape_data(message)}")
                return
        plain = self._plain_annotation(severity, message, file, line, title)
        self._print_protected(self.stdout if self.in_actions else self.stderr, plain)

    def error(self, message: str, file: str | None = None, line: int | None = None, title: str | None = None) -> None:
        self.annotate("error", message, file, line, title)

    def warning(self, message: str, file: str | None = None, line: int | None = None, title: str | None = None) -> None:
        self.annotate("warning", message, file, line, title)

    def notice(self, message: str, file: str | None = None, line: int | None = None, title: str | None = None) -> None:
        self.annotate("notice", message, file, line, title)

    def annotation_overflow(self) -> dict[Severity, int]:
        """How many annotations of each severity went to the log only (past GitHub's per-step cap)."""
        if not self.in_actions:
            return {}
        return {s: n - ANNOTATIONS_PER_STEP for s, n in self.annotation_counts.items() if n > ANNOTATIONS_PER_STEP}

    def flush_annotations(self) -> dict[Severity, int]:
        """Say once how many annotations did not fit; call at the end of the step. Returns the overflow."""
        overflow = self.annotation_overflow()
        with self._lock:
            unreported = {s: n for s, n in overflow.items() if self._overflow_reported.get(s) != n}
            self._overflow_reported.update(unreported)
        for severity, extra in unreported.items():
            plural = "s" if extra != 1 else ""
            self._write(
                self.stdout,
                f"{extra} more {severity}{plural} not shown as annotations (GitHub shows at most "
                f"{ANNOTATIONS_PER_STEP} per step); each is in the log above as a line starting '{severity}:'.",
            )
        return overflow

    @staticmethod
    def _plain_annotation(severity: str, message: str, file: str | None, line: int | None, title: str | None) -> str:
        where = f"{file}:{line}: " if file and line else f"{file}: " if file else ""
        return f"{severity}: {where}{title + ': ' if title else ''}{message}"

    # ----------------------------------------------------------------- outputs

    def set_output(self, name: str, value: str | int | float | bool) -> None:
        """A step output. Booleans become ``true``/``false``. Written as a heredoc to ``GITHUB_OUTPUT``."""
        if not _OUTPUT_NAME.fullmatch(name):
            raise ValueError(f"output name must match [A-Za-z0-9_-]+; got {name!r}")
        text = self.redact(("true" if value else "false") if isinstance(value, bool) else str(value))
        with self._lock:
            self.outputs[name] = text
            path = self.environ.get("GITHUB_OUTPUT")
            if path:
                delimiter = self._delimiter(text)
                with open(path, "a", encoding="utf-8", newline="") as handle:
                    handle.write(f"{name}<<{delimiter}\n{text}\n{delimiter}\n")
            if self.echo_outputs and not self.in_actions:
                self._write(self.stdout, f"{name}={neutralise(inline(text))}")

    @staticmethod
    def _delimiter(value: str) -> str:
        while True:
            delimiter = f"ghadelimiter_{_uuid4()}"
            if delimiter not in value:
                return delimiter

    # ----------------------------------------------------------------- summary

    def summary(self, markdown: str, *, full_report: str | None = None) -> bool:
        """Append Markdown to the step summary, keeping the file within GitHub's 1 MiB.

        When the text does not fit, it is cut at a line boundary and a note says where the full report is
        (``full_report``, else ``report_hint``, else the step log). Returns False when something was cut.
        """
        text = self.redact(markdown)
        if not text.endswith("\n"):
            text += "\n"
        path = self.environ.get("GITHUB_STEP_SUMMARY")
        if not path:
            if self.echo_summary and not self.in_actions:
                self._write(self.stdout, neutralise(text.rstrip("\n")))
            return True
        with self._lock:
            if self._summary_truncated:
                return False
            size = os.path.getsize(path) if os.path.exists(path) else 0
            data = text.encode("utf-8")
            if size + len(data) <= SUMMARY_LIMIT_BYTES:
                with open(path, "ab") as handle:
                    handle.write(data)
                return True
            self._summary_truncated = True
            where = full_report or self.report_hint or "the step log"
            note = self.redact(
                "\n> [!WARNING]\n> This summary was truncated: GitHub accepts at most 1 MiB per step. "
                f"The full report is in {where}.\n"
            ).encode("utf-8")
            budget = SUMMARY_LIMIT_BYTES - size - len(note)
            if budget < 0:
                self._write(self.stdout, f"The step summary is full; the rest of the report is in {where}.")
                return False
            head = data[:budget]
            head = head[: head.rfind(b"\n") + 1]  # a line boundary; -1 + 1 = nothing when there is none
            with open(path, "ab") as handle:
                handle.write(head + note)
            return False

    # ----------------------------------------------------------------- writing

    def _print_protected(self, stream: TextIO, text: str) -> None:
        body = neutralise(self.redact(text))
        if not self.in_actions or not _could_be_command(body):
            self._write(stream, body)
            return
        token = _uuid4().hex
        with self._lock:
            self._write(stream, f"::stop-commands::{token}")
            self._write(stream, body)
            self._write(stream, f"::{token}::")

    def _write(self, stream: TextIO, line: str) -> None:
        with self._lock:
            stream.write(line + "\n")
            stream.flush()
