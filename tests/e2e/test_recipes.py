"""The export recipes in recipes/ produce JSON that command-deploy accepts, equal to what the libraries build.

Each exporter runs for real: the discord.js one under node with discord.js installed from the npm registry
(pinned by recipes/discordjs/package-lock.json), the discord.py one with the discord.py of the test extra.
Its output then goes through ``command-deploy detect`` as a user would run it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ROOT / "recipes"
DISCORDJS = RECIPES / "discordjs"
DISCORDPY = RECIPES / "discordpy"
JS_EXPORTER = DISCORDJS / "export-commands.mjs"
PY_EXPORTER = DISCORDPY / "export_commands.py"

# What npm prints when it cannot reach the registry at all (as opposed to a broken lock file or package).
OFFLINE = re.compile(
    r".*\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|E?SOCKETTIMEDOUT|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH)\b.*"
)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def _detect_env(tmp: Path) -> dict[str, str]:
    # Only what a terminal needs: no Actions variables, no Discord credentials, so detect stays offline.
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT")}
    return {**env, "HOME": str(tmp)}


def detect(commands: Path, cwd: Path, *extra: str) -> dict[str, Any]:
    """``command-deploy detect --format json`` on ``commands``; the report, after checking it exited 0."""
    proc = subprocess.run(
        [sys.executable, "-m", "alia_action.cli", "detect", "--commands", str(commands), "--format", "json", *extra],
        cwd=cwd,
        env=_detect_env(cwd),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def _names(report: dict[str, Any]) -> dict[str, bool]:
    """Command name → developmentOnly, as detect understood the file."""
    return {c["name"]: c["developmentOnly"] for c in report["commands"]}


def _without_dev_flag(command: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in command.items() if k not in ("developmentOnly", "ownerOnly")}


def _walk(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for option in options for o in (option, *_walk(option.get("options", [])))]


# ----------------------------------------------------------------------------- discord.js


@pytest.fixture(scope="module")
def discordjs_bot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of recipes/discordjs with the locked discord.js installed from the npm registry."""
    _tool("node")
    npm = _tool("npm")
    bot = tmp_path_factory.mktemp("discordjs") / "bot"
    shutil.copytree(DISCORDJS, bot, ignore=shutil.ignore_patterns("node_modules", "commands.json"))
    proc = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--fetch-retries=1"],
        cwd=bot,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        output = proc.stdout + proc.stderr
        offline = OFFLINE.search(output)
        if offline:
            pytest.skip(f"the npm registry is unreachable: {offline.group(0).strip()}")
        pytest.fail(f"npm ci failed:\n{output}")
    return bot


def _fixture_modules(bot: Path) -> list[str]:
    """The fixture's command modules, in the order the exporter reads them (sorted relative paths)."""
    root = bot / "fixture" / "commands"
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.js") if not p.name.endswith(".test.js"))


def _builders_output(bot: Path, modules: list[str]) -> list[Any]:
    """``data.toJSON()`` of each module, computed by discord.js itself outside the exporter."""
    script = textwrap.dedent(
        """
        const out = [];
        for (const file of process.argv.slice(1)) {
          const mod = await import(new URL(`./fixture/commands/${file}`, `file://${process.cwd()}/`).href);
          out.push(JSON.parse(JSON.stringify(mod.default.data.toJSON())));
        }
        console.log(JSON.stringify(out));
        """
    )
    proc = subprocess.run(
        ["node", "--input-type=module", "-e", script, *modules],
        cwd=bot,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    built: list[Any] = json.loads(proc.stdout)
    return built


def test_discordjs_export_of_the_fixture_bot_passes_detect(discordjs_bot: Path) -> None:
    out = discordjs_bot / "commands.json"
    proc = subprocess.run(
        ["node", "export-commands.mjs", "fixture/commands", str(out)],
        cwd=discordjs_bot,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "6 commands from 6 modules" in proc.stderr  # ping.test.js and roll.test.ts were skipped, not imported
    # Modules without a sibling test file are warnings (ping.test.js and roll.test.ts count).
    untested = re.findall(r"warning: fixture/commands/(\S+) has no test file", proc.stderr)
    assert untested == ["clips/clip.js", "clips/save-clip.js", "debug.js", "user-info.js"]
    text = out.read_text(encoding="utf-8")
    exported = json.loads(text)
    assert text == json.dumps(exported, indent=2, ensure_ascii=False) + "\n"

    # Exactly what the builders produce, in module order, plus the project's flag.
    modules = _fixture_modules(discordjs_bot)
    assert [_without_dev_flag(c) for c in exported] == _builders_output(discordjs_bot, modules)
    by_name = {c["name"]: c for c in exported}
    assert by_name["debug"]["developmentOnly"] is True
    assert [n for n, c in by_name.items() if "developmentOnly" in c] == ["debug"]
    assert [n for n, c in by_name.items() if "ownerOnly" in c] == ["debug"] and by_name["debug"]["ownerOnly"] is True
    assert by_name["Save Clip"]["type"] == 3 and "description" not in by_name["Save Clip"]
    assert by_name["User Info"]["type"] == 2
    options = [o for c in exported for o in _walk(c.get("options", []))]
    assert any(o.get("autocomplete") is True for o in options)
    assert any(o.get("choices") and o["type"] == 4 for o in options)
    assert any("min_value" in o and "max_value" in o and o["type"] == 10 for o in options)

    report = detect(out, discordjs_bot)
    assert (report["errors"], report["warnings"], report["problems"]) == (0, 0, [])
    assert _names(report) == {
        "clip": False,
        "Save Clip": False,
        "debug": True,
        "ping": False,
        "roll": False,
        "User Info": False,
    }
    assert sorted(report["changes"]["added"]) == sorted(_names(report))


MODULE_SHAPES = {
    # ESM named exports, a plain command object instead of a builder.
    "a-named.mjs": (
        'export const data = { name: "alpha", description: "A" };\nexport const developmentOnly = true;\n'
        "export const ownerOnly = true;\nexport function execute() {}\n"
    ),
    "a-named.test.mjs": 'throw new Error("a test file was imported");\n',
    # CommonJS.
    "b-cjs.cjs": 'module.exports = { data: { name: "beta", description: "B" }, execute() {} };\n',
    # TypeScript compiled to CommonJS: `export default {...}` becomes `exports.default = {...}`.
    "c-compiled.cjs": (
        '"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\n'
        'exports.default = { data: { name: "gamma", description: "C" }, developmentOnly: false, execute() {} };\n'
    ),
    "__tests__/c-compiled.spec.ts": "it('is gamma', () => {});\n",
    # Neither a test nor a declaration file is a command module; importing either would fail.
    "c-compiled.test.js": 'throw new Error("a test file was imported");\n',
    "types.d.ts": "export declare const data: unknown;\n",
    "sub/__tests__/helper.js": 'throw new Error("a __tests__ file was imported");\n',
}


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_discordjs_export_reads_every_module_shape(tmp_path: Path) -> None:
    node = _tool("node")
    commands = _write(tmp_path / "commands", MODULE_SHAPES)
    out = tmp_path / "commands.json"
    proc = subprocess.run(
        [node, str(JS_EXPORTER), str(commands), str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text(encoding="utf-8")) == [
        {"name": "alpha", "description": "A", "developmentOnly": True, "ownerOnly": True},
        {"name": "beta", "description": "B"},
        {"name": "gamma", "description": "C"},
    ]
    assert not (tmp_path / "commands.json.tmp").exists()
    # a-named has a test beside it, c-compiled one in __tests__/; b-cjs has none: a warning, not a failure.
    assert re.findall(r"warning: (\S+) has no test file", proc.stderr) == ["commands/b-cjs.cjs"]


def test_discordjs_export_with_require_tests_fails_on_an_untested_module(tmp_path: Path) -> None:
    node = _tool("node")
    commands = _write(tmp_path / "commands", MODULE_SHAPES)
    out = tmp_path / "commands.json"
    proc = subprocess.run(
        [node, str(JS_EXPORTER), "--require-tests", str(commands), str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert "error: commands/b-cjs.cjs has no test file (b-cjs.test.ts)" in proc.stderr
    assert "1 command module(s) without a test file; nothing written" in proc.stderr
    assert not out.exists()
    (commands / "b-cjs.test.js").write_text("it('is beta', () => {});\n", encoding="utf-8")
    again = subprocess.run(
        [node, str(JS_EXPORTER), "--require-tests", str(commands), str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0 and "no test file" not in again.stderr, again.stderr


OK_MODULE = "export default { data: { name: 'ok', description: 'x' }, execute() {} };\n"
BROKEN_MODULES = {
    "import-fails": (
        {"ok.js": OK_MODULE, "bad.js": "import { nope } from './missing.js';\n"},
        "bad.js failed to import",
    ),
    "throws-on-import": ({"ok.js": OK_MODULE, "bad.js": "throw new Error('boom at load');\n"}, "boom at load"),
    "no-data": ({"ok.js": OK_MODULE, "bad.js": "export default { execute() {} };\n"}, "bad.js exports no `data`"),
    "no-execute": (
        {"ok.js": OK_MODULE, "bad.js": "export default { data: { name: 'x', description: 'x' } };\n"},
        "bad.js exports `data` but no `execute` function",
    ),
    "toJSON-throws": (
        {"bad.js": "export default { data: { toJSON() { throw new Error('bad option'); } }, execute() {} };\n"},
        "data.toJSON() failed: bad option",
    ),
    "dev-flag-not-boolean": (
        {"bad.js": "export default { data: { name: 'x', description: 'x' }, developmentOnly: 'yes', execute() {} };\n"},
        "developmentOnly must be true or false",
    ),
    "owner-flag-not-boolean": (
        {"bad.js": "export default { data: { name: 'x', description: 'x' }, ownerOnly: 1, execute() {} };\n"},
        "ownerOnly must be true or false",
    ),
    "empty-folder": ({"README.md": "no modules here\n"}, "no command modules"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_MODULES))
def test_discordjs_export_refuses_a_partial_set(tmp_path: Path, case: str) -> None:
    """A half export would delete commands on deploy: any bad module fails it and leaves the old file alone."""
    node = _tool("node")
    files, message = BROKEN_MODULES[case]
    commands = _write(tmp_path / "commands", files)
    out = tmp_path / "commands.json"
    out.write_text("previous export\n", encoding="utf-8")
    proc = subprocess.run(
        [node, str(JS_EXPORTER), str(commands), str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert message in proc.stderr and "nothing written" in proc.stderr, proc.stderr
    assert proc.stdout == ""
    assert out.read_text(encoding="utf-8") == "previous export\n"


def test_discordjs_export_usage(tmp_path: Path) -> None:
    node = _tool("node")
    proc = subprocess.run([node, str(JS_EXPORTER)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: node export-commands.mjs [--require-tests] <commands-dir> <out.json>")


# ----------------------------------------------------------------------------- discord.py


def _run_py_exporter(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PY_EXPORTER), *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _sync_body(module_dir: Path, target: str) -> list[dict[str, Any]]:
    """What discord.py itself builds for ``tree.sync()`` (``to_dict``), in a process of its own."""
    module, attribute = target.split(":")
    code = (
        "import json, sys\n"
        f"from {module} import {attribute} as tree\n"
        "json.dump([c.to_dict(tree) for c in tree.get_commands()], sys.stdout)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=module_dir, capture_output=True, text=True, timeout=120, check=True
    )
    body: list[dict[str, Any]] = json.loads(proc.stdout)
    return body


def test_discordpy_export_of_the_example_bot_passes_detect(tmp_path: Path) -> None:
    discord = pytest.importorskip("discord", reason="discord.py (the test extra) is not installed")
    assert int(discord.__version__.split(".")[0]) >= 2
    out = tmp_path / "commands.json"
    proc = _run_py_exporter("example_bot:tree", str(out), cwd=DISCORDPY)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    exported = json.loads(out.read_text(encoding="utf-8"))

    # discord.py's own body, with only the two documented rewrites: the permission bitfield as a string,
    # and the deprecated dm_permission dropped where contexts is stated.
    raw = _sync_body(DISCORDPY, "example_bot:tree")
    assert any(isinstance(c.get("default_member_permissions"), int) for c in raw)
    assert all("dm_permission" in c for c in raw)
    for mine, theirs in zip(exported, raw, strict=True):
        expected = {k: v for k, v in theirs.items() if k != "dm_permission"}
        if isinstance(expected["default_member_permissions"], int):
            expected["default_member_permissions"] = str(expected["default_member_permissions"])
        assert _without_dev_flag(mine) == expected

    by_name = {c["name"]: c for c in exported}
    assert [n for n, c in by_name.items() if "developmentOnly" in c] == ["debug"]
    assert by_name["debug"]["developmentOnly"] is True and by_name["debug"]["default_member_permissions"] == "32"
    assert (by_name["Save Clip"]["type"], by_name["User Info"]["type"]) == (3, 2)
    options = [o for c in exported for o in _walk(c.get("options", []))]
    assert any(o.get("autocomplete") is True for o in options)
    assert any(o["type"] == 4 and [ch["value"] for ch in o.get("choices", [])] == [6, 20, 100] for o in options)
    assert any(o["type"] == 10 and (o.get("min_value"), o.get("max_value")) == (-5.5, 5.5) for o in options)

    report = detect(out, tmp_path)
    assert (report["errors"], report["warnings"], report["problems"]) == (0, 0, [])
    assert _names(report) == {"roll": False, "clip": False, "debug": True, "Save Clip": False, "User Info": False}


COG_BOT = """
import asyncio

import discord
from discord import app_commands
from discord.ext import commands


class Fun(commands.Cog):
    @app_commands.command(description="Flip a coin")
    @app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
    @app_commands.allowed_installs(guilds=True, users=False)
    @app_commands.guild_only()
    async def flip(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("heads")


def build_tree() -> app_commands.CommandTree:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())
    asyncio.run(bot.add_cog(Fun()))
    return bot.tree
"""


def test_discordpy_export_from_a_factory_with_a_cog(tmp_path: Path) -> None:
    pytest.importorskip("discord", reason="discord.py (the test extra) is not installed")
    (tmp_path / "cogbot.py").write_text(COG_BOT, encoding="utf-8")
    out = tmp_path / "commands.json"
    proc = _run_py_exporter("cogbot:build_tree", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (flip,) = json.loads(out.read_text(encoding="utf-8"))
    assert (flip["name"], flip["contexts"]) == ("flip", [0])
    assert "dm_permission" not in flip  # guild_only sent dm_permission false; contexts says the same
    report = detect(out, tmp_path)
    assert (report["errors"], report["warnings"]) == (0, 0)


EMPTY_TREE = """
import discord
from discord import app_commands

tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
"""
BAD_FLAG = f"""{EMPTY_TREE}

@tree.command(description="x", extras={{"developmentOnly": "yes"}})
async def x(interaction: discord.Interaction) -> None: ...
"""
BROKEN_BOTS = {
    "import-fails": ("import not_a_module_here\n", "bot:tree", "cannot load bot:tree: ModuleNotFoundError"),
    "no-attribute": (EMPTY_TREE, "bot:nope", "cannot load bot:nope: AttributeError"),
    "not-a-tree": (EMPTY_TREE + "thing = 3\n", "bot:thing", "bot:thing is a int, not an app_commands.CommandTree"),
    "no-colon": (EMPTY_TREE, "bot", "expected module:attribute"),
    "empty-tree": (EMPTY_TREE, "bot:tree", "the tree has no global commands"),
    "factory-fails": ("def build():\n    raise RuntimeError('no config')\n", "bot:build", "RuntimeError: no config"),
    "dev-flag-not-boolean": (BAD_FLAG, "bot:tree", "x: extras['developmentOnly'] must be True or False"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_BOTS))
def test_discordpy_export_refuses_a_partial_set(tmp_path: Path, case: str) -> None:
    pytest.importorskip("discord", reason="discord.py (the test extra) is not installed")
    source, target, message = BROKEN_BOTS[case]
    (tmp_path / "bot.py").write_text(source, encoding="utf-8")
    out = tmp_path / "commands.json"
    out.write_text("previous export\n", encoding="utf-8")
    proc = _run_py_exporter(target, str(out), cwd=tmp_path)
    assert proc.returncode == 1
    assert message in proc.stderr and "nothing written" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert out.read_text(encoding="utf-8") == "previous export\n"


def test_discordpy_export_usage(tmp_path: Path) -> None:
    pytest.importorskip("discord", reason="discord.py (the test extra) is not installed")
    proc = _run_py_exporter("only-one-argument", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: python export_commands.py <module:tree> <out.json>")


# ----------------------------------------------------------------------------- the plain JSON recipe


def _json_examples() -> dict[str, Any]:
    """The README's example files, keyed by the path its text gives them (``commands/....json``)."""
    text = (RECIPES / "json" / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"^`(commands/[\w/.-]+\.json)`[^\n]*:\n\n```json\n(.*?)```", text, re.S | re.M)
    return {path: json.loads(body) for path, body in found}


def test_json_readme_examples_validate_and_rename_in_place(tmp_path: Path) -> None:
    """The README's files, laid out as it says, pass detect; its rename keeps the ID against a baseline."""
    examples = _json_examples()
    assert set(examples) == {"commands/fun/roll.json", "commands/dev/debug.json"}
    roll = examples["commands/fun/roll.json"]
    assert roll["renamedFrom"] == "dice"

    # Baseline: the set before the rename, recorded as the README says.
    before = {**{k: v for k, v in roll.items() if k != "renamedFrom"}, "name": "dice"}
    _write(tmp_path, {"commands/fun/dice.json": json.dumps(before)})
    recorded = detect(Path("commands"), tmp_path, "--write-checksums")
    assert recorded["changes"]["added"] == ["dice"]
    (tmp_path / "commands" / "fun" / "dice.json").unlink()

    _write(tmp_path, {path: json.dumps(body, indent=2) for path, body in examples.items()})
    report = detect(Path("commands"), tmp_path)
    assert (report["errors"], report["warnings"], report["problems"]) == (0, 0, [])
    assert _names(report) == {"roll": False, "debug": True}
    assert report["changes"]["modified"] == ["roll"] and report["changes"]["removed"] == []
    assert report["changes"]["added"] == ["debug"]
    (rename,) = [d for d in report["changes"]["details"] if d["name"] == "roll"]
    assert rename["renamed_from"] == "dice"
    assert report["creates"] == 1  # debug only: the rename spends none
