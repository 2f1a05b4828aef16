"""Our rules and the emulator, written independently, must agree: a differential test over the rule table.

Every valid case of tests/unit/test_rules.py is accepted by the emulator (what we pass, Discord-as-emulated
takes); every invalid case that is an error is refused by it (what we stop, Discord would refuse), except
the rules that are ours alone (alia_action/commands/rule_table.py, basis "project"). Then a property test
generates commands near every limit and asks both for a verdict.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alia_action.commands.loader import SourceCommand
from alia_action.commands.plan import overwrite_body
from alia_action.commands.rule_table import RULES
from alia_action.commands.rules import check_commands
from alia_action.discord.emulator import Emulator
from tests.support.discord_fixtures import APP_ID, TOKEN, setup_emulator
from tests.support.ids import ascii_id
from tests.support.rule_cases import AIMS, CASES, Case, near_command_sets

# Errors Discord itself is not known to give (rule_table: basis "project"): our keys, and commands Discord takes
# that could never work as written. Everything else that is an error, Discord refuses: the emulator must too.
OURS_ONLY = {rule for rule, entry in RULES.items() if entry.basis == "project"}


def as_list(value: Any) -> list[dict[str, Any]]:
    return value if isinstance(value, list) else [value]


def put(emu: Emulator, commands: Any) -> httpx.Response:
    # From an empty scope: Discord refuses a bulk PUT that drops a live entry point (50240), which an earlier
    # case may have left.
    emu.set_commands(APP_ID, None, [])
    body = overwrite_body(as_list(commands))
    return httpx.put(
        f"{emu.url}/applications/{APP_ID}/commands",
        json=body,
        headers={"Authorization": f"Bot {TOKEN}", "User-Agent": "DiscordBot (https://example.test, 1.0)"},
        timeout=10,
    )


@pytest.fixture(scope="module")
def emulator() -> Any:
    with Emulator(bucket_limit=10_000, daily_create_limit=10**9) as emu:  # one PUT per case: budgets aside
        yield setup_emulator(emu)


def label(case: Case) -> str:
    return ascii_id(f"{case.rule}:{case.path}")


@pytest.mark.parametrize("case", CASES, ids=label)
def test_what_our_rules_accept_the_emulator_accepts(emulator: Emulator, case: Case) -> None:
    response = put(emulator, case.valid)
    assert response.status_code == 200, response.text


ERRORS = [c for c in CASES if c.severity == "error" and c.rule not in OURS_ONLY]


@pytest.mark.parametrize("case", ERRORS, ids=label)
def test_what_our_rules_refuse_the_emulator_refuses(emulator: Emulator, case: Case) -> None:
    response = put(emulator, case.invalid)
    assert 400 <= response.status_code < 500, f"accepted: {case.invalid}"


# -- the differential property test: generated commands near every limit, judged by both --

DIFF_EXAMPLES = int(os.environ.get("RULES_DIFF_EXAMPLES", "5"))  # per aim and side: 16 aims x 2 x 5 = 160 sets
GENERATED: list[int] = []  # commands judged in this process (the report's "commands per run")


def our_verdict(commands: list[dict[str, Any]]) -> list[str]:
    """The errors of rules Discord enforces (ours alone left out): what should make Discord refuse."""
    sources = [SourceCommand(command, f"cmds/{index}.json") for index, command in enumerate(commands)]
    return sorted(
        f"{p.rule} {p.path}: {p.message}"
        for p in check_commands(sources, scope="global")
        if p.severity == "error" and p.rule not in OURS_ONLY
    )


def post(emu: Emulator, command: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{emu.url}/applications/{APP_ID}/commands",
        json=overwrite_body([command])[0],
        headers={"Authorization": f"Bot {TOKEN}", "User-Agent": "DiscordBot (https://example.test, 1.0)"},
        timeout=10,
    )


@settings(
    max_examples=DIFF_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@pytest.mark.parametrize("past", [False, True], ids=["at-limit", "one-past"])
@pytest.mark.parametrize("aim", sorted(AIMS))
@given(data=st.data())
def test_rules_and_emulator_agree_near_every_limit(
    emulator: Emulator, aim: str, past: bool, data: st.DataObject
) -> None:
    commands = data.draw(near_command_sets(aim, past), label="commands")
    GENERATED.append(len(commands))
    ours = our_verdict(commands)
    response = put(emulator, commands)
    assert response.status_code in (200, 400), response.text
    refused = response.status_code == 400
    assert refused == bool(ours), f"rules: {ours or 'accept'}\nemulator PUT: {response.text[:1500]}"
    if len(commands) == 1:  # the single-command route has its own checks (no duplicates across items)
        emulator.set_commands(APP_ID, None, [])
        single = post(emulator, commands[0])
        assert single.status_code in (200, 201, 400), single.text
        assert (single.status_code == 400) == bool(ours), f"rules: {ours or 'accept'}\nPOST: {single.text[:1500]}"
