"""Shared by several test modules (moved out of test_hostile_inputs.py, so no test reads another's globals)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Tally:
    malformed_answers: int = 0
    file_kinds: int = 0
    huge_files: int = 0
    outside_paths: int = 0
    bad_values: int = 0
    runs: int = 0
    writes_after_bad_input: int = 0
    states_lost: int = 0
    hangs: int = 0


TALLY = Tally()


def summary_line() -> str:
    t = TALLY
    return (
        f"hostile inputs: {t.malformed_answers} malformed answers, {t.file_kinds} file kinds, "
        f"{t.huge_files} huge and endless files, {t.outside_paths} paths outside the workspace, "
        f"{t.bad_values} bad values; {t.runs} runs, {t.writes_after_bad_input} writes after bad input, "
        f"{t.states_lost} states lost, {t.hangs} hangs"
    )
