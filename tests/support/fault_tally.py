"""Shared by several test modules (moved out of test_faults.py, so no test reads another's globals)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Observation:
    """What one run left, as observed after it: the basis of every figure in the summary line."""

    label: str
    scheduled: int  # faults put on the schedule of the peer (the emulator, the S3 proxy, the GitHub stand-in)
    fired: tuple[str, ...]  # the emulator's record: "kind METHOD path #seq" of each request a fault fired on
    failed: bool
    live_is_intended: bool  # the live set compared with the intended one
    live_is_previous: bool
    secret_hits: tuple[str, ...]  # where the token's bytes were found
    peer: str = "Discord"


OBSERVED: list[Observation] = []


def summary_line() -> str:
    runs = len(OBSERVED)
    fired = sum(len(o.fired) for o in OBSERVED if o.peer == "Discord")
    records = sum(len(o.fired) for o in OBSERVED if o.peer != "Discord")
    never = sum(o.scheduled for o in OBSERVED) - fired - records
    failures = sum(o.failed for o in OBSERVED)
    lost = sum(1 for o in OBSERVED if not (o.live_is_intended or o.live_is_previous))
    leaked = sum(len(o.secret_hits) for o in OBSERVED)
    return (
        f"fault injection: {fired} faults fired (the emulator's record) and {records} of S3 and GitHub (the proxy's "
        f"and the stand-in's records), {never} scheduled never fired, {runs} runs, "
        f"{runs - failures} success / {failures} clean failure, {lost} states lost (live sets compared), "
        f"{leaked} secrets leaked (bytes searched)"
    )


@dataclass
class Races:
    """Runs that share the local Discord's state file, started together: what each trial left in the file."""

    trials: int = 0
    runs: int = 0
    deploys_lost: int = 0  # a run's verified deploy missing from the state file after both finished


RACES = Races()


def races_line() -> str:
    r = RACES
    return (
        f"state-file races: {r.trials} trials of two runs in one folder, {r.runs} runs, "
        f"{r.deploys_lost} verified deploys lost"
    )
