"""Property: whatever the route, one file ends in one live command, and nothing changes that the plan did not name.

Against the emulator and the independent stand-in, for the staging guild and for global commands: Hypothesis
deploys a generated set, then edits it at random (a stated field removed, a deprecated or defaulted field added or
flipped, a description changed, a command removed or added). From the same live set the edit is applied twice:
once change by change (the single-change route: PATCH, POST, DELETE, as ``plan_write`` sends one change) and once as
the bulk PUT. Compared as raw JSON (Discord's answer, only the server's id/version set aside), both routes end in
identical live commands; every field that changed live is one the plan named (or a ``dm_permission``/``contexts``
the plan leaves Discord to derive from its stated partner); and each write's prediction matches the live set.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from alia_action.commands.canonical import command_key
from alia_action.commands.plan import Plan, Write, build_plan, overwrite_body, plan_write
from alia_action.commands.predict import mismatches, predict
from alia_action.discord.client import DiscordClient
from alia_action.steps.apply import send_write
from tests.support.command_strategies import command_sets, valid
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID, TOKEN

EXAMPLES = 30  # per stand-in and scope: 4 x 30 = 120 generated sets and edits a run
SERVER_SET = ("id", "version", "application_id", "guild_id")
SETS = ("contexts", "integration_types")
# Fields an edit may remove, add or flip: every field Discord defaults.
DEFAULTED: dict[str, list[Any]] = {
    "dm_permission": [False, True],
    "default_permission": [False, True],
    "contexts": [[0], [0, 1], [0, 1, 2]],
    "integration_types": [[0], [0, 1]],
    "nsfw": [False, True],
    "default_member_permissions": [None, "0", "8"],
    "name_localizations": [None, {"de": "neu"}],
}


@st.composite
def edited(draw: st.DrawFn, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for command in commands:
        command = dict(command)
        for key in draw(st.lists(st.sampled_from(sorted(DEFAULTED)), max_size=3, unique=True)):
            if key in command and draw(st.booleans()):
                del command[key]  # a stated field removed from the file
            else:
                command[key] = draw(st.sampled_from(DEFAULTED[key]))
        if command.get("type", 1) == 1 and draw(st.booleans()):
            command["description"] = command["description"] + " v2"
        if draw(st.integers(0, 5)) != 0:  # now and then a command is removed
            out.append(command)
    if draw(st.booleans()):
        out.append({"name": "kilo", "description": "Added by the edit"})
    return out


def raw(commands: list[dict[str, Any]]) -> dict[tuple[int, str], dict[str, Any]]:
    """Discord's answer by (type, name), the server's identity fields set aside and the two fields that are sets
    (``contexts``, ``integration_types``: their order means nothing) read as sets; nothing else is normalised."""
    return {
        command_key(c): {k: sorted(v) if k in SETS and isinstance(v, list) else v for k, v in c.items()}
        for c in ({k: v for k, v in c.items() if k not in SERVER_SET} for c in commands)
    }


def named(plan: Plan) -> dict[tuple[int, str], set[str]]:
    """Per command, the top-level fields the plan names, and those it leaves Discord to derive."""
    out: dict[tuple[int, str], set[str]] = {}
    for change in plan.changes:
        fields = {f.path.split(".")[0].split("[")[0] for f in change.fields} | set(change.unstated.derived)
        out[(change.type, change.name)] = fields
    return out


def write_checked(client: DiscordClient, guild_id: str | None, write: Write) -> None:
    """Send one write and check the live set against its prediction, every field of every command."""
    guild = guild_id is not None
    predicted = predict(client.list_commands(guild_id), write, guild=guild)
    send_write(client, guild_id, write)
    differences = mismatches(predicted, client.list_commands(guild_id), guild=guild)
    assert not differences, [str(d) for d in differences]


@pytest.mark.parametrize("guild_id", [GUILD_ID, None], ids=["guild", "global"])
def test_patch_and_bulk_put_end_in_the_same_live_commands(server: str, guild_id: str | None) -> None:
    client = DiscordClient(TOKEN, APP_ID, base_url=server, **FAST)
    guild = guild_id is not None
    tally = {"examples": 0, "changes": 0, "removed_keys": 0}

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data(), first=command_sets())
    def check(data: st.DataObject, first: list[dict[str, Any]]) -> None:
        second = data.draw(edited(first))
        assume(second and valid(second))
        tally["examples"] += 1
        tally["removed_keys"] += sum(
            1 for a, b in zip(first, second, strict=False) for key in DEFAULTED if key in a and key not in b
        )
        client.overwrite_commands(guild_id, overwrite_body(first, guild=guild))
        start = client.list_commands(guild_id)
        plan = build_plan(second, start, guild=guild)
        changes = [c for c in plan.changes if c.kind != "unchanged"]
        tally["changes"] += len(changes)

        # The single-change route: each change as its own request, as a deploy of that change alone sends it.
        for change in changes:
            write_checked(client, guild_id, plan_write(second, Plan([change]), guild=guild))
        by_change = client.list_commands(guild_id)

        # Back to the same start (a bulk PUT of the live answer itself), then the bulk PUT route.
        client.overwrite_commands(guild_id, [{k: v for k, v in c.items() if k not in SERVER_SET} for c in start])
        assert raw(client.list_commands(guild_id)) == raw(start)
        write_checked(client, guild_id, Write("PUT", overwrite_body(second, plan, guild=guild)))
        by_put = client.list_commands(guild_id)

        assert raw(by_change) == raw(by_put)
        # Every field that changed live is one the plan named; commands come and go only as planned.
        before, after, fields = raw(start), raw(by_put), named(plan)
        assert set(after) - set(before) == {(c.type, c.name) for c in plan.added}
        assert set(before) - set(after) == {(c.type, c.name) for c in plan.removed}
        for key in set(before) & set(after):
            changed = {k for k in before[key].keys() | after[key].keys() if before[key].get(k) != after[key].get(k)}
            assert changed <= fields[key], (key, changed, fields[key])

    try:
        check()
    finally:
        client.close()
    print(f"route agreement ({'guild' if guild else 'global'}): {tally}")
    assert tally["examples"] >= EXAMPLES // 2  # the property really ran (assume() may discard some)
