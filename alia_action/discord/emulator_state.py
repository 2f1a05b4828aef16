"""The local Discord: the built-in emulator with its state kept in one file between runs.

Without credentials the CLI (and the action with ``discord-api-url: emulator``) deploys to the emulator. A real
Discord remembers what was deployed, the command IDs and versions, and the creates spent today; so does this
one, in ``.discord-emulator.json`` in the working folder (the workspace in Actions). The file is read at start
and rewritten atomically (temp file, fsync, rename) after every change, so ``stage`` then ``promote`` then
``health`` as separate runs see one Discord, and a second deploy of the same files is a no-op that spends no
create. Deleting the file (or ``command-deploy emulator --reset``) starts over with an empty Discord.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..atomic import write_json_atomic
from ..errors import DeployError
from ..files import UnreadableFile, read_bounded

if TYPE_CHECKING:  # the CLI imports STATE_FILE on every run; the emulator itself only when it is used
    from .emulator import Emulator

STATE_FILE = ".discord-emulator.json"
STATE_FORMAT = 1
MAX_STATE_BYTES = 64 * 1024 * 1024  # applications x scopes x 110 commands: far below
ABOUT = "the built-in Discord emulator's state (command-deploy); delete this file to start over"


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
        emulator.restore(document)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # UnicodeDecodeError is a ValueError
        raise StateError(
            f"the local Discord's state {path} is unreadable ({exc}); delete it, or run "
            "`command-deploy emulator --reset`, to start over with an empty Discord"
        ) from None
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
def local_discord(path: Path | None, guild_id: str | None = None) -> Iterator[Emulator]:
    """The emulator the CLI runs against without credentials: the test application, installed in the staging
    guild (``guild_id`` or the emulator's own), with its state in ``path`` (None: in memory only)."""
    from .emulator import TEST_APPLICATION_ID, TEST_GUILD_ID, TEST_TOKEN, Emulator

    emulator = Emulator()
    if path is not None:
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
    points other commands at it. ``state``: its file (the one embedded runs use), None to keep it in memory.
    ``listening``: told the base URL once it listens (``--format json`` prints its one document there).
    ``commands``: the command files to name in the line it prints, when they are not in ``commands/``.
    ``activity``/``new_app``: the test application is one with an Activity / a new one (kept in the state)."""
    from .emulator import CONTROL_PREFIX, TEST_APPLICATION_ID, TEST_GUILD_ID, TEST_TOKEN, Emulator

    out = out or sys.stdout
    emulator = Emulator(host=host, port=port)
    if state is not None:
        persist(emulator, state)
    emulator.add_application(TEST_APPLICATION_ID, TEST_TOKEN, activity=activity or None, new_app=new_app or None)
    emulator.add_guild(TEST_APPLICATION_ID, TEST_GUILD_ID)
    event = stop or threading.Event()
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
