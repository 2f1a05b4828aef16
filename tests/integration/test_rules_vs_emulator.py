"""Our rules and the emulator, written independently, must agree: a differential test over the rule table.

Every valid case of tests/unit/test_rules.py is accepted by the emulator (what we pass, Discord-as-emulated
takes); every invalid case that is an error is refused by it (what we stop, Discord would refuse), except
the rules that are ours alone: project keys, and checks stricter than Discord's documented behaviour.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from alia_action.commands.plan import overwrite_body
from alia_action.discord.emulator import Emulator
from tests.support.discord_fixtures import APP_ID, TOKEN, setup_emulator
from tests.support.rule_cases import CASES, Case

# Rules that protect the user where Discord is not documented to refuse the request (the emulator follows
# the docs): we stop a command that could never work as written; Discord may take it and misbehave.
OURS_ONLY = {
    "project.renamedFrom",  # our keys: Discord ignores unknown keys
    "project.developmentOnly",
    "option.field",  # e.g. min_value on a STRING option: the docs list fields per type, silent on others
    "option.length-range",  # min_length above max_length: no option value could ever be valid
    "option.value-range",  # min_value above max_value: likewise
    "schema.near-miss",  # Discord drops unknown keys; we stop `dm_permissions` because it meant `dm_permission`
    "file_types.unique",
    "localizations.clash",  # two commands with one localized name in a locale: clients show both
}


def undocumented(case: Case) -> str | None:
    """A bound the docs leave open, where the two sides chose differently: named, with the reason."""
    if case.rule == "permissions.bitfield" and as_list(case.valid)[0].get("default_member_permissions") == str(
        2**64 - 1
    ):
        return (
            "the permission bitfield's upper bound is undocumented: our rules take any 64-bit value, the emulator "
            "refuses values over 2^54 - 1; no permission bit defined today is near either bound"
        )
    return None


def as_list(value: Any) -> list[dict[str, Any]]:
    return value if isinstance(value, list) else [value]


def put(emu: Emulator, commands: Any) -> httpx.Response:
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
    return f"{case.rule}:{case.path}"


@pytest.mark.parametrize("case", CASES, ids=label)
def test_what_our_rules_accept_the_emulator_accepts(emulator: Emulator, case: Case) -> None:
    reason = undocumented(case)
    if reason:
        pytest.skip(reason)
    response = put(emulator, case.valid)
    assert response.status_code == 200, response.text


ERRORS = [c for c in CASES if c.severity == "error" and c.rule not in OURS_ONLY]


@pytest.mark.parametrize("case", ERRORS, ids=label)
def test_what_our_rules_refuse_the_emulator_refuses(emulator: Emulator, case: Case) -> None:
    response = put(emulator, case.invalid)
    assert 400 <= response.status_code < 500, f"accepted: {case.invalid}"
