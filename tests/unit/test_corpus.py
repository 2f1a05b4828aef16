"""The corpus: command sets in the shape of real bots (tests/corpus, sources in tests/corpus/sources.json).

Every set detects with exactly the errors it really has (none for most), and every valid set, deployed to
the emulator and to the independent stand-in, for the staging guild and for global commands, plans empty
on the next run: no perpetual re-deploy on any of them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from alia_action.commands.loader import SourceCommand
from alia_action.commands.plan import build_plan, plan_write
from alia_action.commands.problems import Problem, has_errors
from alia_action.commands.rules import check_commands
from alia_action.discord.client import DiscordClient
from alia_action.sources import load_commands
from alia_action.steps.apply import send_write
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID, TOKEN

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SOURCES: list[dict[str, Any]] = json.loads((CORPUS / "sources.json").read_text(encoding="utf-8"))
VALID = [s["set"] for s in SOURCES if not s["errors"]]


def load(name: str) -> tuple[list[Problem], list[SourceCommand]]:
    loaded = load_commands(name, CORPUS)
    return [*loaded.problems, *check_commands(loaded.commands)], loaded.commands


def test_the_corpus_has_at_least_fifteen_sets_each_with_its_source() -> None:
    assert len(SOURCES) >= 15
    assert sorted(s["set"] for s in SOURCES) == sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
    for source in SOURCES:
        assert source["source"].startswith(f"https://github.com/{source['imitates']}/blob/{source['commit']}/")
        assert len(source["commit"]) == 40 and source["licence"] and source["shape"]
    total = sum(len(load(s["set"])[1]) for s in SOURCES)
    assert total >= 70, total


@pytest.mark.parametrize("source", SOURCES, ids=[s["set"] for s in SOURCES])
def test_each_set_detects_with_exactly_its_real_errors(source: dict[str, Any]) -> None:
    problems, commands = load(source["set"])
    assert commands, "the set loaded no command"
    errors = sorted((p.rule, p.path) for p in problems if p.is_error)
    assert errors == sorted((e["rule"], e["path"]) for e in source["errors"])


@pytest.mark.parametrize("name", VALID)
@pytest.mark.parametrize("guild_id", [GUILD_ID, None], ids=["guild", "global"])
def test_each_valid_set_deployed_then_planned_again_is_empty(server: str, guild_id: str | None, name: str) -> None:
    problems, commands = load(name)
    assert not has_errors(problems)
    guild = guild_id is not None
    # What a scope receives: the guild takes all but entry points; global all but developmentOnly ones.
    wanted = [c.data for c in commands if (c.type != 4 if guild else not c.development_only)]
    with DiscordClient(TOKEN, APP_ID, base_url=server, **FAST) as client:
        client.overwrite_commands(guild_id, [])
        plan = build_plan(wanted, client.list_commands(guild_id), guild=guild)
        send_write(client, guild_id, plan_write(wanted, plan, guild=guild))
        replan = build_plan(wanted, client.list_commands(guild_id), guild=guild)
    assert replan.empty, [(c.name, [str(f) for f in c.fields]) for c in replan.changes if c.kind != "unchanged"]
    assert len(replan.unchanged) == len(wanted)
