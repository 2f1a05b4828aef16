"""The inventory's checkpoint file: resumed after a kill (a torn last line included), discarded when it is of
another walk or older than the freshness window (kept at the window's edge, dropped one second past it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from alia_action.commands.fleet import GuildReading
from alia_action.stores.checkpoint import Checkpoint

KEY = {"application_id": "1", "checksum": "a" * 64}


def written(path: Path, now: list[float]) -> Checkpoint:
    checkpoint = Checkpoint(path, KEY, 3600.0, lambda: now[0])
    checkpoint.begin(None)
    checkpoint.guild(GuildReading("100", "ok"))
    checkpoint.guild(GuildReading("101", "ok", ((1, "leftover"),)))
    checkpoint.page("101")
    checkpoint.guild(GuildReading("103", "no_scope"))
    checkpoint.close()
    return checkpoint


def test_a_killed_walk_resumes_after_its_last_page_with_its_findings_and_a_torn_line_ignored(tmp_path: Path) -> None:
    path = tmp_path / "walk.jsonl"
    now = [1000.0]
    written(path, now)
    with path.open("a", encoding="utf-8") as torn:
        torn.write('{"kind":"guild","id":"10')  # the write a SIGKILL cut short
    resume = Checkpoint(path, KEY, 3600.0, lambda: now[0]).resume()
    assert resume is not None and resume.after == "101" and resume.done == {"103"}
    assert resume.clean == 1 and [r.guild_id for r in resume.readings] == ["101", "103"] and resume.read == 3
    assert resume.readings[0].commands == ((1, "leftover"),) and not resume.complete


@pytest.mark.parametrize(("age", "kept"), [(3600.0, True), (3601.0, False)])
def test_a_checkpoint_past_the_freshness_window_is_discarded(tmp_path: Path, age: float, kept: bool) -> None:
    path = tmp_path / "walk.jsonl"
    now = [1000.0]
    written(path, now)
    now[0] += age
    checkpoint = Checkpoint(path, KEY, 3600.0, lambda: now[0])
    assert (checkpoint.resume() is not None) is kept
    assert (checkpoint.discarded is None) is kept
    if not kept:
        assert "1.0 h old, past the freshness window" in str(checkpoint.discarded)


def test_a_checkpoint_of_another_command_set_is_discarded(tmp_path: Path) -> None:
    path = tmp_path / "walk.jsonl"
    written(path, [1000.0])
    other = Checkpoint(path, {**KEY, "checksum": "b" * 64}, 3600.0, lambda: 1000.0)
    assert other.resume() is None and "another application or command set" in str(other.discarded)
