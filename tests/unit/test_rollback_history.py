"""The deployment record replayed for rollback (stores.ledger.history): which deploys a rollback counts back
through, and how many of the newest are already undone. Pure: entries in, counts out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alia_action.stores.ledger import LedgerEntry, history

APP, GUILD = "1180000000000000101", "1180000000000000201"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def write(minute: int, action: str = "stage", outcome: str = "success", **fields: Any) -> LedgerEntry:
    values: dict[str, Any] = {
        "time": T0 + timedelta(minutes=minute),
        "action": action,
        "environment": "staging",
        "application_id": APP,
        "guild_id": GUILD,
        "checksum": "c" * 64,
        "outcome": outcome,
        "backup": f"b{minute}",
    }
    return LedgerEntry.model_validate(values | fields)


def replay(*entries: LedgerEntry) -> tuple[list[str], int]:
    recorded = history(list(entries), application_id=APP, guild_id=GUILD)
    return [e.backup or "" for e in recorded.deploys], recorded.undone


def test_deploys_count_back_newest_last_and_only_successes_of_the_scope_count() -> None:
    assert replay() == ([], 0)
    other_scope = write(4, guild_id=None)
    assert replay(write(1), write(2), write(3, outcome="failure"), other_scope, write(5, outcome="noop")) == (
        ["b1", "b2"],
        0,
    )
    assert replay(write(2), write(1)) == (["b1", "b2"], 0)  # by time, not by line order


def test_a_rollback_marks_what_it_undid_and_the_same_rollback_again_counts_the_same() -> None:
    d1, d2, d3 = write(1), write(2), write(3)
    r1 = write(4, "rollback", restored="b3", undid=("b3",))
    assert replay(d1, d2, d3, r1) == (["b1", "b2", "b3"], 1)  # steps 1 again: b3, already live
    r2 = write(5, "rollback", restored="b2", undid=("b2", "b3"))
    assert replay(d1, d2, d3, r1, r2) == (["b1", "b2", "b3"], 2)
    # A deploy after a rollback: what was undone is gone for good.
    assert replay(d1, d2, d3, r1, write(6)) == (["b1", "b2", "b6"], 0)


def test_a_restore_that_undid_no_deploy_counts_as_a_deploy_and_an_old_record_undid_one() -> None:
    d1, d2, d3 = write(1), write(2), write(3)
    r1 = write(4, "rollback", restored="b3", undid=("b3",))
    undo = write(5, "rollback", restored="b4", undid=())  # the pre-rollback backup, restored by name
    assert replay(d1, d2, d3, r1, undo) == (["b1", "b2", "b5"], 0)
    legacy = write(4, "rollback")  # written before rollbacks recorded what they undid
    assert replay(d1, d2, d3, legacy) == (["b1", "b2", "b3"], 1)
    assert replay(d1, d2, d3, legacy, write(5, "rollback")) == (["b1", "b2", "b3"], 2)
