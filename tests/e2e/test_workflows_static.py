"""The workflow files and the action metadata pass the offline static checks, and those checks bite.

The checks run as subprocesses on the real files (check-jsonschema's vendored schemas, zizmor --offline,
hadolint), exactly as ``tools/check_static.sh`` and CI's static job run them; each is also shown to fail on
a broken copy, so a clean result means something. The example workflows are then checked for what users
rely on: every ``with:`` key is an input of action.yml, every third-party action is pinned by SHA, and the
jobs that run for each event (a pull request, CI on main, each dispatch, the schedule) are the intended
ones, found by evaluating the workflows' own ``if:`` and ``concurrency`` expressions.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from alia_action.config import ACTIONS

ROOT = Path(__file__).resolve().parents[2]
ACTION_YML = ROOT / "action.yml"
CI = ROOT / ".github" / "workflows" / "ci.yml"
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
PIPELINE = ROOT / "examples" / "workflows" / "command-deployment.yml"
MINIMAL = ROOT / "examples" / "workflows" / "minimal.yml"
WORKFLOWS = sorted([*(ROOT / ".github" / "workflows").glob("*.yml"), *(ROOT / "examples" / "workflows").glob("*.yml")])
EXAMPLES = [PIPELINE, MINIMAL]
OUR_ACTION = "alia-bot/command-deploy"
TIMEOUT = 120


def tool(name: str) -> str:
    """The checker installed beside this interpreter (the project's venv), else on PATH; skip when absent."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    """``on:``: PyYAML reads the bare key as the boolean True (YAML 1.1)."""
    on: dict[str, Any] = workflow["on"] if "on" in workflow else workflow[True]
    return on


def steps(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield name, step


def test_the_shipped_workflows_are_all_checked() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in WORKFLOWS}
    expected = {
        ".github/workflows/ci.yml",
        ".github/workflows/release.yml",
        "examples/workflows/command-deployment.yml",
        "examples/workflows/minimal.yml",
    }
    assert expected <= names


# ---------------------------------------------------------------------------- check-jsonschema


def test_action_metadata_matches_githubs_schema() -> None:
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(ACTION_YML))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_workflow_matches_githubs_schema(path: Path) -> None:
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_fails_on_a_misspelled_key(tmp_path: Path) -> None:
    broken = tmp_path / "ci.yml"
    text = CI.read_text(encoding="utf-8")
    assert "    runs-on: ubuntu-latest\n" in text
    broken.write_text(text.replace("    runs-on: ubuntu-latest\n", "    runs_on: ubuntu-latest\n", 1), encoding="utf-8")
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(broken))
    assert result.returncode != 0
    assert "runs_on" in result.stdout + result.stderr


# ---------------------------------------------------------------------------- zizmor


def zizmor(*paths: Path) -> subprocess.CompletedProcess[str]:
    return run(tool("zizmor"), "--offline", "--no-progress", "--color", "never", *map(str, paths))


def test_zizmor_reports_no_findings() -> None:
    result = zizmor(*WORKFLOWS, ACTION_YML)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_zizmor_fails_on_untrusted_text_expanded_in_a_script(tmp_path: Path) -> None:
    broken = tmp_path / "ci.yml"
    text = CI.read_text(encoding="utf-8")
    anchor = "      - name: ruff\n"
    assert anchor in text
    injected = '      - name: greet\n        run: echo "${{ github.event.pull_request.title }}"\n'
    broken.write_text(text.replace(anchor, injected + anchor, 1), encoding="utf-8")
    result = zizmor(broken)
    assert result.returncode != 0
    assert "template-injection" in result.stdout


def test_zizmor_fails_on_an_action_pinned_by_tag(tmp_path: Path) -> None:
    broken = tmp_path / "minimal.yml"
    text = MINIMAL.read_text(encoding="utf-8")
    pinned = re.search(r"actions/checkout@[0-9a-f]{40} # v\S+", text)
    assert pinned is not None
    broken.write_text(text.replace(pinned.group(0), "actions/checkout@v4"), encoding="utf-8")
    result = zizmor(broken)
    assert result.returncode != 0
    assert "unpinned-uses" in result.stdout


# ---------------------------------------------------------------------------- hadolint


def test_dockerfile_passes_hadolint() -> None:
    result = run(tool("hadolint"), str(ROOT / "Dockerfile"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_fails_on_an_unpinned_apt_install(tmp_path: Path) -> None:
    broken = tmp_path / "Dockerfile"
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    broken.write_text(text + "\nRUN apt-get update && apt-get install -y curl\n", encoding="utf-8")
    result = run(tool("hadolint"), str(broken))
    assert result.returncode != 0
    assert "DL3008" in result.stdout  # pin versions in apt-get install


# ---------------------------------------------------------------------------- tools/check_static.sh


def test_check_static_script_runs_the_action_checks_clean() -> None:
    for name in ("check-jsonschema", "zizmor", "hadolint"):
        tool(name)
    result = run("bash", str(ROOT / "tools" / "check_static.sh"), "schema", "zizmor", "hadolint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all clean (schema zizmor hadolint)" in result.stdout


def test_check_static_script_refuses_an_unknown_check() -> None:
    result = run("bash", str(ROOT / "tools" / "check_static.sh"), "lint-everything")
    assert result.returncode == 2
    assert "unknown check 'lint-everything'" in result.stderr


# ---------------------------------------------------------------------------- pins and the action's inputs

USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<comment>\s+#.*)?$")


def uses_lines(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = USES.match(line)
        if match:
            out.append((match.group("ref"), (match.group("comment") or "").strip()))
    return out


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_action_is_pinned_by_commit_sha_with_its_version(path: Path) -> None:
    refs = uses_lines(path)
    assert refs
    for ref, comment in refs:
        if ref.startswith("./"):
            continue
        assert re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}", ref), f"{path.name}: {ref} is not pinned"
        assert re.match(r"# v\d+(\.\d+)*\b", comment), f"{path.name}: {ref} lacks a '# vX.Y.Z' comment"


def test_each_action_is_pinned_to_one_commit_everywhere() -> None:
    seen: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for ref, comment in uses_lines(path):
            if "@" in ref:
                repo = "/".join(ref.split("@")[0].split("/")[:2])
                seen.setdefault(repo, set()).add(f"{ref.split('@')[1]} {comment.split()[1]}")
    assert {repo: pins for repo, pins in seen.items() if len(pins) > 1} == {}


def test_every_checkout_keeps_no_credentials() -> None:
    for path in WORKFLOWS:
        for job, step in steps(load(path)):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, f"{path.name}: {job}"


def test_no_script_expands_an_expression() -> None:
    # Values reach scripts through env: (zizmor's template-injection, stricter: not even trusted contexts).
    for path in WORKFLOWS:
        for job, step in steps(load(path)):
            assert "${{" not in str(step.get("run", "")), f"{path.name}: {job}: {step.get('name', step['run'])}"


def our_steps(path: Path) -> list[dict[str, Any]]:
    return [step for _, step in steps(load(path)) if str(step.get("uses", "")).startswith(OUR_ACTION + "@")]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_inputs_are_inputs_of_action_yml(path: Path) -> None:
    declared = set(load(ACTION_YML)["inputs"])
    used = our_steps(path)
    assert used, f"{path.name} does not use {OUR_ACTION}"
    for step in used:
        unknown = set(step.get("with", {})) - declared
        assert not unknown, f"{path.name}: {sorted(unknown)} are not inputs of action.yml"
        assert step["with"]["action"] in ACTIONS


def test_the_input_check_catches_a_typo(tmp_path: Path) -> None:
    broken = tmp_path / "minimal.yml"
    broken.write_text(
        MINIMAL.read_text(encoding="utf-8").replace("  client-secret:", "  client_secrt:"), encoding="utf-8"
    )
    declared = set(load(ACTION_YML)["inputs"])
    assert {k for step in our_steps(broken) for k in step["with"]} - declared == {"client_secrt"}


# ---------------------------------------------------------------------------- GitHub expressions
# A small evaluator of the expression language GitHub uses in if:, concurrency and ${{ }}: literals,
# contexts, == != < <= > >= ! && || (returning operands, as GitHub does), format(), success(), always().

TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\].,])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos, text = [], 0, text.rstrip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        assert match and match.end() > pos, f"cannot read expression at: {text[pos:]!r}"
        kind = next(k for k, v in match.groupdict().items() if v is not None)
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_number(value: Any) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool | int | float):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if type(a) is type(b):
        return bool(a == b)
    return as_number(a) == as_number(b)


class Expression:
    def __init__(self, text: str, contexts: dict[str, Any], functions: dict[str, Callable[..., Any]]) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.contexts = contexts
        self.functions = functions

    def value(self) -> Any:
        result = self.either()
        assert self.pos == len(self.tokens), f"unexpected {self.tokens[self.pos :]}"
        return result

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.tokens[self.pos]
        assert expected is None or token[1] == expected, f"expected {expected}, got {token}"
        self.pos += 1
        return token

    def either(self) -> Any:
        left = self.both()
        while self.peek() == "||":
            self.take()
            right = self.both()
            left = left if left else right
        return left

    def both(self) -> Any:
        left = self.compare()
        while self.peek() == "&&":
            self.take()
            right = self.compare()
            left = right if left else left
        return left

    def compare(self) -> Any:
        left = self.unary()
        op = self.peek()
        if op in ("==", "!=", "<", "<=", ">", ">="):
            self.take()
            right = self.unary()
            if op in ("==", "!="):
                return equal(left, right) == (op == "==")
            a, b = as_number(left), as_number(right)
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[str(op)]
        return left

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not self.unary()
        value = self.primary()
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                key: Any = self.take()[1]
            else:
                key = self.either()
                self.take("]")
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text)
        if text == "(":
            value = self.either()
            self.take(")")
            return value
        if kind == "name" and self.peek() == "(":
            self.take("(")
            args = []
            while self.peek() != ")":
                args.append(self.either())
                if self.peek() == ",":
                    self.take(",")
            self.take(")")
            return self.functions[text.lower()](*args)
        keywords: dict[str, Any] = {"true": True, "false": False, "null": None}
        if text in keywords:
            return keywords[text]
        assert kind == "name", f"unexpected {text!r}"
        return self.contexts.get(text)


def evaluate(text: str, contexts: dict[str, Any], *, needs_succeeded: bool = True) -> Any:
    def format_(template: str, *args: Any) -> str:
        return re.sub(r"\{(\d+)\}", lambda m: as_text(args[int(m.group(1))]), template)

    functions: dict[str, Callable[..., Any]] = {
        "format": format_,
        "success": lambda: needs_succeeded,
        "always": lambda: True,
        "failure": lambda: False,
        "cancelled": lambda: False,
    }
    body = text.strip()
    if body.startswith("${{") and body.endswith("}}"):
        body = body[3:-2]
    return Expression(body, contexts, functions).value()


def interpolate(text: str, contexts: dict[str, Any]) -> str:
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: as_text(evaluate(m.group(1), contexts)), text, flags=re.S)


def test_the_expression_evaluator_follows_githubs_rules() -> None:
    contexts = {"github": {"event_name": "push", "event": {"number": 7}}}
    assert evaluate("github.event_name == 'PUSH'", contexts) is True  # strings compare case-insensitively
    assert evaluate("github.event.missing.deeper", contexts) is None
    assert evaluate("github.event.number == '7'", contexts) is True  # numbers and numeric strings
    assert evaluate("github.event_name == 'push' && 'yes' || 'no'", contexts) == "yes"
    assert evaluate("github.event_name != 'push' && 'yes' || 'no'", contexts) == "no"
    assert evaluate("format('a-{0}-{1}', github.event.number, true)", contexts) == "a-7-true"
    assert evaluate("!(1 < 2)", contexts) is False


# ---------------------------------------------------------------------------- the example pipeline's logic


@dataclass(frozen=True)
class Event:
    event_name: str
    payload: dict[str, Any]
    ref: str = "refs/heads/main"
    inputs: dict[str, Any] | None = None


REPO = "alia-bot/alia-bot"
SUCCESSFUL_PUSH = {
    "conclusion": "success",
    "event": "push",
    "head_sha": "a" * 40,
    "head_repository": {"full_name": REPO},
}
EVENTS = {
    "pull request": Event("pull_request", {"pull_request": {"number": 12, "title": "x"}}, "refs/pull/12/merge"),
    "CI passed on main": Event("workflow_run", {"workflow_run": SUCCESSFUL_PUSH}),
    "CI failed on main": Event("workflow_run", {"workflow_run": {**SUCCESSFUL_PUSH, "conclusion": "failure"}}),
    "CI passed for a fork's main": Event(
        "workflow_run",
        {"workflow_run": {**SUCCESSFUL_PUSH, "event": "pull_request", "head_repository": {"full_name": "evil/fork"}}},
    ),
    "dispatch deploy": Event("workflow_dispatch", {}, inputs={"action": "deploy", "backup_file": ""}),
    "dispatch staging": Event("workflow_dispatch", {}, inputs={"action": "staging", "backup_file": ""}),
    "dispatch rollback": Event("workflow_dispatch", {}, inputs={"action": "rollback", "backup_file": "b.json"}),
    "dispatch emergency": Event(
        "workflow_dispatch", {}, inputs={"action": "emergency-promote", "backup_file": "", "bypass_reason": "x"}
    ),
    "dispatch emergency from a branch": Event(
        "workflow_dispatch",
        {},
        "refs/heads/feature",
        {"action": "emergency-promote", "backup_file": "", "bypass_reason": "x"},
    ),
    "dispatch deploy from a branch": Event(
        "workflow_dispatch",
        {},
        "refs/heads/feature",
        {"action": "deploy", "backup_file": ""},
    ),
    "dispatch rollback from a branch": Event(
        "workflow_dispatch",
        {},
        "refs/heads/feature",
        {"action": "rollback", "backup_file": ""},
    ),
    "schedule": Event("schedule", {"schedule": "*/5 * * * *"}),
    "daily schedule": Event("schedule", {"schedule": "17 6 * * *"}),
}


def contexts_for(event: Event) -> dict[str, Any]:
    payload = {**event.payload, "repository": {"full_name": REPO, "default_branch": "main"}}
    github = {
        "event_name": event.event_name,
        "event": payload,
        "ref": event.ref,
        "ref_name": event.ref.rsplit("/", 1)[-1] if event.ref.startswith("refs/heads/") else event.ref,
        "repository": REPO,
        "sha": "b" * 40,
        "run_id": "9001",
        "run_attempt": "1",
    }
    return {"github": github, "inputs": event.inputs or {}, "vars": {}, "secrets": {}}


def jobs_that_run(workflow: dict[str, Any], event: Event) -> set[str]:
    """Jobs in dependency order, each run when its needs ran and its if: holds (success() implied)."""
    ran: set[str] = set()
    decided: set[str] = set()
    jobs: dict[str, Any] = workflow["jobs"]
    for _ in range(len(jobs)):
        for name, job in jobs.items():
            needs = job.get("needs", [])
            needs = [needs] if isinstance(needs, str) else needs
            if name in decided or not set(needs) <= decided:
                continue
            condition = str(job.get("if", "success()"))
            if not re.search(r"\b(success|always|failure|cancelled)\(", condition):
                condition = f"success() && ({condition})"
            if evaluate(condition, contexts_for(event), needs_succeeded=set(needs) <= ran):
                ran.add(name)
            decided.add(name)
    assert decided == set(jobs), f"needs that name no job: {set(jobs) - decided}"
    return ran


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ("pull request", {"detect"}),
        ("CI passed on main", {"detect", "stage", "promote"}),
        ("CI failed on main", set()),
        ("CI passed for a fork's main", set()),
        ("dispatch deploy", {"detect", "stage", "promote"}),
        ("dispatch staging", {"detect", "stage"}),
        ("dispatch rollback", {"rollback"}),  # alone: nothing deploys beside a rollback
        ("dispatch emergency", {"detect", "emergency"}),  # no staging; behind discord-production's reviewers
        ("dispatch emergency from a branch", set()),
        ("dispatch deploy from a branch", set()),
        ("dispatch rollback from a branch", set()),
        ("schedule", {"health"}),
        ("daily schedule", {"dashboard"}),
    ],
)
def test_pipeline_runs_the_intended_jobs(event: str, expected: set[str]) -> None:
    assert jobs_that_run(load(PIPELINE), EVENTS[event]) == expected


def group_of(workflow: dict[str, Any], event: Event) -> str:
    return interpolate(str(workflow["concurrency"]["group"]), contexts_for(event))


def test_every_run_that_writes_to_discord_shares_one_group_and_none_is_cancelled() -> None:
    workflow = load(PIPELINE)
    assert workflow["concurrency"]["cancel-in-progress"] is False
    writers = {"stage", "promote", "rollback", "emergency"}
    groups = {name: group_of(workflow, event) for name, event in EVENTS.items()}
    deploying = {name for name, event in EVENTS.items() if jobs_that_run(workflow, event) & writers}
    assert deploying == {
        "CI passed on main",
        "dispatch deploy",
        "dispatch staging",
        "dispatch rollback",
        "dispatch emergency",
    }
    assert {groups[name] for name in deploying} == {"discord-commands-deploy"}
    # Runs that will not write stay out of that group: they can never displace a waiting deploy.
    for name in set(EVENTS) - deploying:
        assert groups[name] != "discord-commands-deploy", name
    assert groups["pull request"] == "discord-commands-plan-12"
    assert groups["schedule"] == "discord-commands-health"


def test_pipeline_triggers_environments_and_permissions() -> None:
    workflow = load(PIPELINE)
    on = triggers(workflow)
    assert on["workflow_run"] == {"workflows": [load(CI)["name"]], "branches": ["main"], "types": ["completed"]}
    assert "pull_request" in on
    assert on["workflow_dispatch"]["inputs"]["action"]["options"] == [
        "deploy",
        "staging",
        "rollback",
        "emergency-promote",
    ]
    assert on["workflow_dispatch"]["inputs"]["backup_file"]["type"] == "string"
    assert on["schedule"] == [{"cron": "*/5 * * * *"}, {"cron": "17 6 * * *"}]
    assert workflow["permissions"] == {"contents": "read"}

    jobs = workflow["jobs"]
    assert jobs["stage"]["needs"] == "detect" and jobs["promote"]["needs"] == ["detect", "stage"]
    assert jobs["stage"]["environment"] == "discord-staging"
    assert jobs["promote"]["environment"] == jobs["rollback"]["environment"] == "discord-production"
    assert jobs["emergency"]["environment"] == "discord-production"  # its reviewers approve a bypass
    for name, job in jobs.items():
        permissions = job["permissions"]
        assert permissions["contents"] == "read", name
        assert ("pull-requests" in permissions) == (name == "detect"), name
        credentials = [s for s in job["steps"] if "role-to-assume" in s.get("with", {})]
        assert (permissions.get("id-token") == "write") == bool(credentials), name
        for step in credentials:
            assert step["with"]["role-to-assume"] == "${{ secrets.ROLE_TO_ASSUME }}"
    assert {"issues", "deployments"} <= set(jobs["promote"]["permissions"])


def test_pipeline_keeps_backups_records_and_metrics_between_runs() -> None:
    jobs = load(PIPELINE)["jobs"]
    for name, files in {
        "stage": {"command-backups", "deployment.log"},
        "promote": {"command-backups", "deployment.log"},
        "rollback": {"command-backups", "deployment.log"},
        "emergency": {"command-backups", "deployment.log"},
        "health": {"metrics.log", "alerts.log"},
    }.items():
        cache_steps = [s for s in jobs[name]["steps"] if str(s.get("uses", "")).startswith("actions/cache/")]
        kinds = [s["uses"].split("@")[0] for s in cache_steps]
        assert kinds == ["actions/cache/restore", "actions/cache/save"], name
        restore, save = cache_steps
        assert set(restore["with"]["path"].split()) == set(save["with"]["path"].split()) == files, name
        assert restore["with"]["key"] == save["with"]["key"], name
        assert "restore-keys" in restore["with"], name
        assert save.get("if") == "always()", name  # a failed run's backup and record are kept too


def test_deploy_jobs_check_out_the_commit_ci_tested() -> None:
    jobs = load(PIPELINE)["jobs"]
    for name in ("detect", "stage", "promote"):
        checkout = next(s for s in jobs[name]["steps"] if str(s.get("uses", "")).startswith("actions/checkout@"))
        assert checkout["with"]["ref"] == "${{ github.event.workflow_run.head_sha || github.sha }}", name


def test_minimal_example_is_one_deploy_job() -> None:
    workflow = load(MINIMAL)
    assert list(workflow["jobs"]) == ["deploy"]
    (step,) = our_steps(MINIMAL)
    assert step["with"]["action"] == "deploy"
    # Least privilege: the client secrets, never a bot token (issue 24).
    assert step["with"]["client-secret"] == "${{ secrets.DISCORD_CLIENT_SECRET }}"
    assert step["with"]["staging-client-secret"] == "${{ secrets.DISCORD_STAGING_CLIENT_SECRET }}"
    assert not {"bot-token", "staging-bot-token"} & set(step["with"])
    assert workflow["concurrency"]["cancel-in-progress"] is False


def test_the_daily_dashboard_reads_every_history_and_uploads_the_page() -> None:
    job = load(PIPELINE)["jobs"]["dashboard"]
    uses = [str(s.get("uses", "")).split("@")[0] for s in job["steps"]]
    assert uses == ["actions/cache/restore", "actions/cache/restore", OUR_ACTION, "actions/upload-artifact"]
    restored = {p for s in job["steps"][:2] for p in s["with"]["path"].split()}
    assert restored == {"command-backups", "deployment.log", "metrics.log", "alerts.log"}
    assert job["steps"][2]["with"]["action"] == "dashboard"
    assert "command-dashboard.html" in job["steps"][3]["with"]["path"]
    assert job["permissions"] == {"contents": "read", "deployments": "read"}  # reads, never writes


def test_the_emergency_dispatch_bypasses_the_breaker_only_with_its_reason() -> None:
    job = load(PIPELINE)["jobs"]["emergency"]
    [step] = [s for s in job["steps"] if str(s.get("uses", "")).startswith(OUR_ACTION + "@")]
    assert step["with"]["action"] == "promote" and step["with"]["bypass-breaker"] is True
    assert step["with"]["bypass-reason"] == "${{ inputs.bypass_reason }}"
    assert {"issues", "deployments"} <= set(job["permissions"])  # the review issue and the record


def test_the_typescript_bot_is_exported_once_without_credentials_and_handed_on() -> None:
    jobs = load(PIPELINE)["jobs"]
    runs = [str(s.get("run", "")) for s in jobs["detect"]["steps"]]
    assert "npm ci --ignore-scripts --no-audit --no-fund" in runs
    assert "node --import tsx scripts/export-commands.mjs --require-tests src/commands commands/commands.json" in runs
    assert "id-token" not in jobs["detect"]["permissions"]  # the bot's code runs where no credential is
    for name in ("stage", "promote", "emergency"):
        steps = jobs[name]["steps"]
        assert not [s for s in steps if "run" in s], name  # no bot code where the credentials are
        [download] = [s for s in steps if str(s.get("uses", "")).startswith("actions/download-artifact@")]
        assert download["with"] == {"name": "discord-commands", "path": "commands"}, name
        assert "detect" in (jobs[name]["needs"] if isinstance(jobs[name]["needs"], list) else [jobs[name]["needs"]])
