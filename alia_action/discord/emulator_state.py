"""The local Discord: the built-in emulator with its state kept in one file between runs.

Without credentials the CLI (and the action with ``discord-api-url: emulator``) deploys to the emulator. A real
Discord remembers what was deployed, the command IDs and versions, and the creates spent today; so does this
one, in ``.discord-emulator.json`` in the working folder (the workspace in Actions). The file is read at start
and rewritten atomically (temp file, fsync, rename) after every change, so ``stage`` then ``promote`` then
``health`` as separate runs see one Discord, and a second deploy of the same files is a no-op that spends no
create. Deleting the file (or ``command-deploy emulator --reset``) starts over with an empty Discord.

Runs that share the file take turns: each holds ``.discord-emulator.json.lock`` from reading the state to its
last save, so two runs in one folder never save over each other's verified deploy (the second waits, and says
so). A file that fails the schema below is one clear error naming it and ``command-deploy emulator --reset``,
never an emulator that breaks on the first request.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, ValidationError

from ..atomic import write_json_atomic
from ..errors import DeployError
from ..files import UnreadableFile, check_append_target, read_bounded

try:  # advisory locks are a POSIX feature; elsewhere runs are not serialised (one run at a time is the norm)
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:  # the emulator itself only when it is used
    from .emulator import Emulator

STATE_FORMAT = 1
MAX_STATE_BYTES = 64 * 1024 * 1024  # applications x scopes x 110 commands: far below
ABOUT = "the built-in Discord emulator's state (command-deploy); delete this file to start over"
LOCK_WAIT = 600.0  # seconds a run waits for another run of the local Discord (a deploy on loopback takes seconds)
_POLL = 0.1
SERVED = "a served `command-deploy emulator"
START_OVER = "run `command-deploy emulator --reset` (or delete it) to start over with an empty Discord"

Snowflake = Annotated[str, Field(pattern=r"^\d{1,20}$")]


class _StoredCommand(BaseModel):
    """What the emulator reads back of a command it stored (the rest is kept as it is)."""

    model_config = ConfigDict(extra="allow")

    id: Snowflake
    name: Annotated[str, Field(min_length=1, max_length=32)]
    type: Annotated[int, Field(ge=1, le=4)] = 1
    version: Snowflake


class _StoredApplication(BaseModel):
    global_: list[_StoredCommand] = Field(alias="global")
    guilds: dict[Snowflake, list[_StoredCommand]]
    installed: list[Snowflake]


class _CreateWindow(BaseModel):
    application_id: Snowflake
    guild_id: Snowflake | None
    times: list[FiniteFloat]


class _StateDocument(BaseModel):
    """The state file's schema (format 1), as :meth:`Emulator.snapshot` writes it."""

    format: int
    applications: dict[Snowflake, _StoredApplication]
    guilds: list[Snowflake]
    snowflakes: Annotated[int, Field(ge=0)]
    creates: list[_CreateWindow]


class StateError(DeployError):
    """The state file cannot be read back: the message names the file and how to start over."""


def load_state(emulator: Emulator, path: Path) -> bool:
    """Restore ``emulator`` from ``path``; False when there is no file yet (an empty Discord)."""
    try:
        raw = read_bounded(path, MAX_STATE_BYTES, name=f"the local Discord's state {path}")
    except FileNotFoundError:
        return False
    except UnreadableFile as exc:
        raise StateError(f"{exc}; delete it, or run `command-deploy emulator --reset`, to start over") from None
    except OSError as exc:
        raise StateError(f"cannot read the local Discord's state {path}: {exc.strerror}") from None
    try:
        document: Any = json.loads(raw.decode("utf-8"))
        if not isinstance(document, dict) or document.get("format") != STATE_FORMAT:
            raise ValueError(f"not a format-{STATE_FORMAT} state file")
        _StateDocument.model_validate(document)
        emulator.restore(document)
    except ValidationError as exc:  # it loads, but a request would trip over it later
        first = exc.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise StateError(
            f"the local Discord's state {path} does not hold what it should ({where}: {first['msg']}); {START_OVER}"
        ) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # UnicodeDecodeError is a ValueError
        raise StateError(f"the local Discord's state {path} is unreadable ({exc}); {START_OVER}") from None
    return True


def save_state(emulator: Emulator, path: Path) -> None:
    """Atomically: a run that dies mid-write leaves the previous state, never half a file."""
    write_json_atomic(path, {"format": STATE_FORMAT, "about": ABOUT, **emulator.snapshot()}, indent=1)


def persist(emulator: Emulator, path: Path) -> bool:
    """Load ``path`` into ``emulator`` and save every later change there. False: the file did not exist."""
    loaded = load_state(emulator, path)
    emulator.on_change = lambda: save_state(emulator, path)
    return loaded


def reset_state(path: Path) -> bool:
    """Forget the local Discord. False: there was nothing to forget."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


@contextmanager
def state_lock(
    path: Path, holder: str, log: Callable[[str], None] | None = None, wait: float = LOCK_WAIT
) -> Iterator[None]:
    """Hold the state file for one run (or one served emulator): ``<file>.lock`` beside it, which names its
    ``holder`` for whoever waits. Waits up to ``wait`` seconds, saying so once, then fails naming the holder."""
    lock_path = path.with_name(path.name + ".lock")
    try:
        check_append_target(lock_path)  # a FIFO in its place would block the open for ever
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except UnreadableFile as exc:
        raise StateError(f"cannot lock the local Discord's state: {exc}") from None
    except OSError as exc:
        raise StateError(f"cannot lock the local Discord's state {lock_path}: {exc.strerror}") from None
    try:
        if fcntl is not None and not _try_lock(fd):
            other = _holder(fd)
            if other.startswith(SERVED):  # it holds the file until stopped: waiting would be in vain
                raise StateError(
                    f"the local Discord's state {path} is held by {other}: point this run at it with "
                    "--discord-api-url (and the credentials its banner shows), or stop it first"
                )
            if log is not None:
                log(f"Waiting for {other} to finish with the local Discord ({path.name})…")
            deadline = time.monotonic() + wait
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    raise StateError(
                        f"the local Discord's state {path} is still in use by {_holder(fd)} after {wait:.0f} s: let it "
                        "finish (a served `command-deploy emulator` holds it until stopped), or point this run at "
                        "that emulator with --discord-api-url"
                    )
                time.sleep(_POLL)
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.encode("utf-8"), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # a filesystem without locks: carry on unserialised rather than never run
        return True
    return True


def _holder(fd: int) -> str:
    text = os.pread(fd, 200, 0).decode("utf-8", errors="replace").strip()
    return text or "another run"


@contextmanager
def local_discord(
    path: Path | None, guild_id: str | None = None, log: Callable[[str], None] | None = None
) -> Iterator[Emulator]:
    """The emulator the CLI runs against without credentials: the test application, installed in the staging
    guild (``guild_id`` or the emulator's own), with its state in ``path`` (None: in memory only), held for the
    whole run so another run in the folder waits instead of saving over this one's deploy."""
    from .emulator import TEST_APPLICATION_ID, TEST_GUILD_ID, TEST_TOKEN, Emulator

    with contextlib.ExitStack() as held:
        emulator = Emulator()
        if path is not None:
            held.enter_context(state_lock(path, f"a command-deploy run (pid {os.getpid()})", log))
            persist(emulator, path)
        emulator.add_application(TEST_APPLICATION_ID, TEST_TOKEN)
        emulator.add_guild(TEST_APPLICATION_ID, guild_id or TEST_GUILD_ID)
        with emulator:
            yield emulator


def pointing_line(url: str, commands: str | None = None) -> str:
    """One line to paste into another terminal: the credentials in the environment, the URL as a flag, and
    ``commands`` (when the folder's command files are not in ``commands/``) as ``--commands``."""
    from .emulator import TEST_APPLICATION_ID, TEST_GUILD_ID, TEST_TOKEN

    named = f" --commands {commands}" if commands else ""
    return (
        f"BOT_TOKEN={TEST_TOKEN} CLIENT_ID={TEST_APPLICATION_ID} GUILD_ID={TEST_GUILD_ID} "
        f"command-deploy deploy{named} --discord-api-url {url}"
    )


def serve_local(
    port: int,
    host: str,
    state: Path | None,
    *,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
    listening: Callable[[str], None] | None = None,
    commands: str | None = None,
    activity: bool = False,
    new_app: bool = False,
) -> None:
    """``command-deploy emulator``: the local Discord on a port until Ctrl+C (or ``stop``), with the line that
    points other commands at it. ``state``: its file (the one embedded runs use, held until it stops), None to keep
    it in memory. ``listening``: told the base URL once it listens (``--format json`` prints its one document
    there). ``commands``: the command files to name in the line it prints, when they are not in ``commands/``.
    ``activity``/``new_app``: the test application is one with an Activity / a new one (kept in the state)."""
    from .emulator import CONTROL_PREFIX, TEST_APPLICATION_ID, TEST_GUILD_ID, TEST_TOKEN, Emulator

    out = out or sys.stdout
    emulator = Emulator(host=host, port=port)
    event = stop or threading.Event()
    with contextlib.ExitStack() as held:
        if state is not None:
            holder = f"{SERVED} --port {port}` (pid {os.getpid()})"
            held.enter_context(state_lock(state, holder, lambda line: print(line, file=out, flush=True)))
            persist(emulator, state)
        emulator.add_application(TEST_APPLICATION_ID, TEST_TOKEN, activity=activity or None, new_app=new_app or None)
        emulator.add_guild(TEST_APPLICATION_ID, TEST_GUILD_ID)
        # Signals first: whoever reads the banner may stop the server at once.
        with emulator, _stopping_on_signals(event), contextlib.suppress(KeyboardInterrupt):
            kept = f"state in {state}" if state is not None else "state in memory only"
            print(f"Discord API emulator listening on {emulator.url} ({kept})", file=out)
            print("Point other commands at it (another terminal, in this folder):", file=out)
            print(f"  {pointing_line(emulator.url, commands)}", file=out)
            print(
                f"  (the token is a dummy, valid for this emulator only; control API: {emulator.root_url}"
                f"{CONTROL_PREFIX}/faults | /requests | /reset | /commands | /config)",
                file=out,
            )
            print("Press Ctrl+C to stop.", file=out, flush=True)
            if listening is not None:
                listening(emulator.url)
            while not event.wait(0.2):
                pass


@contextmanager
def _stopping_on_signals(event: threading.Event) -> Iterator[None]:
    """Ctrl+C and SIGTERM stop the server, also when it was started with SIGINT ignored (``cmd &`` in a
    script, nohup): Python then installs no KeyboardInterrupt, and a served emulator would never stop."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda _sig, _frame: event.set())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
