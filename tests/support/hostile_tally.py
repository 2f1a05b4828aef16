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
    leaky_answers: int = 0  # 2xx pages echoing the token across the cut of a message's excerpt
    bad_records: int = 0  # record lines with NaN, no timezone, a fence in git_sha, a date ahead
    emulator_requests: int = 0  # cross-origin, foreign-Host and oversized requests to the served emulator
    runs: int = 0
    secret_pieces: int = 0  # 12-character pieces of the token found in what a run left
    writes_after_bad_input: int = 0
    states_lost: int = 0
    hangs: int = 0


TALLY = Tally()


def summary_line() -> str:
    t = TALLY
    return (
        f"hostile inputs: {t.malformed_answers} malformed answers, {t.file_kinds} file kinds, "
        f"{t.huge_files} huge and endless files, {t.outside_paths} paths outside the workspace, "
        f"{t.bad_values} bad values, {t.leaky_answers} answers echoing the token across a cut, "
        f"{t.bad_records} bad record lines, {t.emulator_requests} hostile requests to the served emulator; "
        f"{t.runs} runs, {t.writes_after_bad_input} writes after bad input, {t.states_lost} states lost, "
        f"{t.hangs} hangs, {t.secret_pieces} token pieces leaked"
    )
