"""The inventory's checkpoint: what a walk of the bot's guilds has read so far, so a run that was killed (runner
lost, job cancelled) continues where it stopped, and guilds read within the freshness window are not read again.

JSON lines, appended and flushed as the walk goes (a kill loses at most the line being written, which the next
run ignores):

* ``{"kind": "start", "key": {...}, "started": epoch}``: the walk's identity (application, command set);
  a checkpoint of another key, or older than ``max_age``, is discarded and the walk starts over;
* ``{"kind": "guild", ...}``: one guild read (:class:`~alia_action.commands.fleet.GuildReading`);
* ``{"kind": "page", "after": id}``: every guild up to this ID is read; the next run lists guilds after it;
* ``{"kind": "paused", "until": epoch}``: the run stopped at its invalid-answer budget; no run of this walk
  sends a request before that time (the budget's window is per process, the pause outlives it);
* ``{"kind": "done", "total": n}``: the walk finished.

Memory on resume is flat in the number of clean guilds: a clean guild is a short line, and only guilds with
something to report are kept as readings; the done set holds only the guilds after the last page line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..commands.fleet import GuildReading


@dataclass(slots=True)
class Resume:
    """What an earlier run of the same walk left: readings worth reporting, where to list from, what not to read."""

    started: float
    after: str | None = None
    done: set[str] = field(default_factory=set)  # read guilds after ``after`` (a page not finished)
    readings: list[GuildReading] = field(default_factory=list)  # guilds with something to report
    clean: int = 0  # guilds read that had nothing to report
    complete: bool = False
    paused_until: float = 0.0  # epoch: a budget stop's "continue after"

    @property
    def read(self) -> int:
        return self.clean + len(self.readings)


class Checkpoint:
    """``now``: wall-clock epoch seconds (the run's clock)."""

    def __init__(self, path: Path, key: Mapping[str, str], max_age: float, now: Callable[[], float]) -> None:
        self.path = path
        self.key = dict(key)
        self.max_age = max_age
        self._now = now
        self._file: IO[str] | None = None
        self.discarded: str | None = None  # why an existing checkpoint was not used

    def resume(self) -> Resume | None:
        """The earlier run's progress, or None (no checkpoint, another walk, or too old: see :attr:`discarded`)."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.discarded = f"{self.path.name} could not be read ({type(exc).__name__})"
            return None
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except ValueError:
                continue  # the line a kill cut short
        head = records[0] if records and isinstance(records[0], dict) else {}
        if head.get("kind") != "start" or head.get("key") != self.key:
            self.discarded = f"{self.path.name} is of another application or command set"
            return None
        started = float(head.get("started", 0))
        age = self._now() - started
        if age > self.max_age:
            self.discarded = f"{self.path.name} is {age / 3600:.1f} h old, past the freshness window"
            return None
        state = Resume(started)
        for record in records[1:]:
            try:
                self._apply(state, record)
            except (KeyError, TypeError, ValueError):
                continue
        return state

    @staticmethod
    def _apply(state: Resume, record: Mapping[str, Any]) -> None:
        kind = record.get("kind")
        if kind == "guild":
            reading = GuildReading.from_dict(record)
            if reading.status == "ok" and not reading.commands and not reading.plan:
                state.clean += 1
            else:
                state.readings.append(reading)
            state.done.add(reading.guild_id)
        elif kind == "page":
            state.after = str(record["after"])
            state.done = {g for g in state.done if int(g) > int(state.after)}
        elif kind == "paused":
            state.paused_until = max(state.paused_until, float(record["until"]))
        elif kind == "done":
            state.complete = True

    def begin(self, resume: Resume | None) -> None:
        """Open for appending: after ``resume``'s lines, or a new file with a start line."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume is None:
            self._file = self.path.open("w", encoding="utf-8")
            self._write({"kind": "start", "key": self.key, "started": self._now()}, sync=True)
        else:
            self._file = self.path.open("a", encoding="utf-8")

    def guild(self, reading: GuildReading) -> None:
        self._write({"kind": "guild", **reading.to_dict()})

    def page(self, after: str) -> None:
        self._write({"kind": "page", "after": after}, sync=True)

    def pause(self, until: float) -> None:
        self._write({"kind": "paused", "until": until}, sync=True)

    def done(self, total: int) -> None:
        self._write({"kind": "done", "total": total}, sync=True)

    def _write(self, record: Mapping[str, Any], *, sync: bool = False) -> None:
        assert self._file is not None, "begin() first"
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._file.flush()  # a killed process loses nothing written so far
        if sync:
            os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
