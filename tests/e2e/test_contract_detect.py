"""detect run as the runner runs the Docker action: outputs file, summary, annotations, exit code."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.actions_runner import GITHUB_TOKEN, ROOT, run_action

EXAMPLES = ROOT / "examples" / "commands"


def test_detect_on_the_examples(workspace: Path) -> None:
    step = run_action(workspace, {"action": "detect"})
    assert step.returncode == 0, step.stdout + step.stderr
    assert step.stderr == ""
    names = json.loads(step.outputs["added"])
    assert len(names) == 51 and "Save Clip" in names
    assert step.outputs["changed"] == "true"
    assert json.loads(step.outputs["removed"]) == [] == json.loads(step.outputs["modified"])
    assert len(step.outputs["checksum"]) == 64
    report = step.report()
    assert report["errors"] == 0 and report["checksum"] == step.outputs["checksum"]
    assert report["deployment_required"] is True
    assert "Deployment required" in step.summary and "| Change | Command |" in step.summary
    # 51 added commands fold into a group; the headline and the verdict stay outside it.
    lines = step.stdout.splitlines()
    start, end = lines.index("::group::Details (52 lines)"), lines.index("::endgroup::")
    assert lines[start - 1].startswith("51 commands, 1 staging-only (developmentOnly) · checksum")
    assert lines[end + 1].startswith("deployment required")
    # The examples are clean: no warning, no error.
    assert step.annotations("warning") == [] and step.annotations("error") == []
    # Secrets are masked before anything else is printed, and never printed otherwise.
    first = step.commands[0]
    assert first[0] == "add-mask" and first[2] == GITHUB_TOKEN
    assert step.stdout.count(GITHUB_TOKEN) == 1
    assert GITHUB_TOKEN not in step.summary + json.dumps(step.outputs) + json.dumps(report)


def test_detect_names_file_line_path_and_rule_of_a_broken_command(workspace: Path) -> None:
    path = workspace / "commands" / "fun" / "games.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"name": "coinflip"', '"name": "CoinFlip"', 1), encoding="utf-8")
    line = text[: text.index('"name": "coinflip"')].count("\n") + 1
    step = run_action(workspace, {"action": "detect"})
    assert step.returncode == 1
    errors = step.annotations("error")
    assert len(errors) == 1, errors
    props, message = errors[0]
    assert (props["file"], props["line"]) == ("commands/fun/games.json", str(line))
    assert message.startswith('CoinFlip.name: name "CoinFlip" must be lowercase')
    assert message.endswith("[name.lowercase]")
    assert step.report()["valid"] is False


def test_a_file_that_fails_to_load_fails_detect(workspace: Path) -> None:
    (workspace / "commands" / "broken.json").write_text('[{"name": "x", "description": "y"},\n', encoding="utf-8")
    step = run_action(workspace, {"action": "detect"})
    assert step.returncode == 1
    ((props, message),) = step.annotations("error")
    assert props["file"] == "commands/broken.json" and "truncated" in message


def test_checksum_file_baseline_round_trip(workspace: Path) -> None:
    first = run_action(workspace, {"action": "detect", "write-checksums": "true"})
    assert first.returncode == 0 and (workspace / ".command-checksums.json").is_file()
    again = run_action(workspace, {"action": "detect"})
    assert again.outputs["changed"] == "false"
    assert json.loads(again.outputs["added"]) == []
    assert "In sync" in again.summary
    # detect never writes the checksum file on its own.
    before = (workspace / ".command-checksums.json").read_bytes()
    path = workspace / "commands" / "fun" / "games.json"
    path.write_text(path.read_text().replace("Flip a coin", "Flip a shiny coin"), encoding="utf-8")
    changed = run_action(workspace, {"action": "detect"})
    assert json.loads(changed.outputs["modified"]) == ["coinflip"]
    assert '`coinflip: description "Flip a coin, optionally betting on a side" → "Flip a shiny coin' in changed.summary
    assert (workspace / ".command-checksums.json").read_bytes() == before


def test_bad_input_is_one_message_and_exit_2(workspace: Path) -> None:
    step = run_action(workspace, {"action": "deplyo"})
    assert step.returncode == 2
    ((_, message),) = step.annotations("error")
    assert "action" in message and "deploy" in message
    assert "Traceback" not in step.stdout + step.stderr


def test_hostile_names_and_descriptions_forge_no_output_and_no_workflow_command(tmp_path: Path) -> None:
    ws = tmp_path / "workspace"
    (ws / "commands").mkdir(parents=True)
    hostile = [
        {
            "name": "ok",
            "description": "first line\n::set-output name=changed::false\nEOF",
            "contexts": [0],
            "integration_types": [0],
        },
        {"name": "%0A::error::forged", "description": "%0A", "contexts": [0], "integration_types": [0]},
        {"type": 3, "name": "EOF", "contexts": [0], "integration_types": [0]},
        {"type": 2, "name": "::add-mask::x", "contexts": [0], "integration_types": [0]},
        {"name": "ghadelimiter_", "description": "x\r\n::warning::cr", "contexts": [0], "integration_types": [0]},
    ]
    (ws / "commands" / "evil.json").write_text(json.dumps(hostile), encoding="utf-8")
    step = run_action(ws, {"action": "detect"})
    assert step.returncode == 1  # names break Discord's rules: reported, never deployed
    assert set(step.outputs) == {"changed", "checksum", "added", "modified", "removed", "creates", "report"}
    assert json.loads(step.outputs["added"]) == sorted(
        [c["name"] for c in hostile], key=lambda n: (next(c.get("type", 1) for c in hostile if c["name"] == n), n)
    )
    acted = {name for name, _props, _message in step.commands}
    assert acted <= {"add-mask", "error", "warning", "debug"}, acted
    forged = [m for name, _p, m in step.commands if name in ("error", "warning") and m.startswith("forged")]
    assert forged == [] and all(p.get("file") == "commands/evil.json" for n, p, _m in step.commands if n == "error")
