"""Property: deploy, then plan again, and the plan is empty, against the emulator and an independent stand-in.

Hypothesis generates valid command sets that use every documented field, the deprecated ones, numbers
written as ints for NUMBER options, unsorted channel types, mixed-case file types, localizations equal to
the default, explicit defaults (``required: false``, ``nsfw: false``, ``[]``) and unknown keys. Each set is
deployed the way a run deploys it (``plan_write``: a POST for one new command, else a bulk PUT), read back
with a GET, and planned again; then one command's description changes and the single-change route (a PATCH)
applies it, and the plan is empty again. Both for the staging guild and for global commands.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from alia_action.commands.plan import build_plan, plan_write
from alia_action.discord.client import DiscordClient
from alia_action.steps.apply import send_write
from tests.support.command_strategies import command_sets, valid
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID, TOKEN
from tests.support.live_oracle import expected_live, held

EXAMPLES = 50  # per stand-in and scope: 4 x 50 = 200 generated sets a run


@pytest.mark.parametrize("guild_id", [GUILD_ID, None], ids=["guild", "global"])
def test_deploy_then_plan_again_is_empty(server: str, guild_id: str | None) -> None:
    client = DiscordClient(TOKEN, APP_ID, base_url=server, **FAST)
    guild = guild_id is not None
    examples = 0

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(commands=command_sets())
    def check(commands: list[dict[str, Any]]) -> None:
        nonlocal examples
        assert valid(commands), commands
        examples += 1
        client.overwrite_commands(guild_id, [])  # an empty scope: the first deploy adds every command
        plan = build_plan(commands, client.list_commands(guild_id), guild=guild)
        send_write(client, guild_id, plan_write(commands, plan, guild=guild))
        live = client.list_commands(guild_id)
        # The independent oracle first: the raw JSON held equals the files read plainly, not through the planner.
        assert held(live, commands, guild=guild) == expected_live(commands, guild=guild)
        replan = build_plan(commands, live, guild=guild)
        assert replan.empty, [(c.name, [str(f) for f in c.fields]) for c in replan.changes if c.kind != "unchanged"]

        # One change more: the single-change route (PATCH) converges too.
        changed = [dict(c) for c in commands]
        first = changed[0]
        if first.get("type", 1) == 1:
            first["description"] = first["description"] + " (v2)"
            plan = build_plan(changed, live, guild=guild)
            write = plan_write(changed, plan, guild=guild)
            assert write.method == "PATCH"
            send_write(client, guild_id, write)
            patched = client.list_commands(guild_id)
            assert held(patched, changed, guild=guild) == expected_live(changed, guild=guild)
            after = build_plan(changed, patched, guild=guild)
            assert after.empty, [(c.name, [str(f) for f in c.fields]) for c in after.changes if c.kind != "unchanged"]

    try:
        check()
    finally:
        client.close()
    assert examples >= EXAMPLES  # the property really ran over that many generated sets
