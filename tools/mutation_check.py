"""Mutation checks: deliberate breakages of the safety rules, one at a time, each of which the suite must catch.

For every mutation the tracked tree is copied to a temporary folder, one edit is applied there (the working
tree is never touched), and only the test files relevant to it run (``pytest -x``). A mutation the tests do
not catch, or whose edit no longer matches the code (the check would prove nothing), fails the script.

    python tools/mutation_check.py            # all of them; exit 1 if one survives
    python tools/mutation_check.py --list     # what is broken where, and which tests must catch it
    python tools/mutation_check.py --only skip-backup
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutation:
    name: str
    what: str  # the breakage, in words
    file: str
    edits: tuple[tuple[str, str], ...]  # (old, new), applied in order; each old must occur exactly once
    tests: tuple[str, ...]  # pytest arguments: files, node ids, -k expressions


CLAIM_CALL = """    claim_scope(
        settings,
        ctx,
        discord,
        action=action,
        target=target,
        digest=digest,
        planned_at=planned_at,
        live=live,
        applied=applied,
    )
"""
WRITTEN = "    applied.written = True\n"


MUTATIONS: tuple[Mutation, ...] = (
    Mutation(
        "skip-verification-get",
        "the write is reported without the verification GET (the intended set is taken as what is live)",
        "alia_action/steps/apply.py",
        (("        after = client.list_commands(target.guild_id)\n", "        after = list(wanted)\n"),),
        ("tests/integration/test_faults.py", "-k", "rollback and verify"),
    ),
    Mutation(
        "skip-backup",
        "Discord is written without the durable backup first",
        "alia_action/steps/apply.py",
        (
            (
                "        applied.backup = take_backup(settings, ctx, discord, target, live, backup_kind)\n",
                "        pass\n",
            ),
        ),
        ("tests/integration/test_deploy.py",),
    ),
    Mutation(
        "write-before-claim",
        "the scope is claimed only after the write (two runs can overwrite each other)",
        "alia_action/steps/apply.py",
        ((CLAIM_CALL, ""), (WRITTEN, WRITTEN + CLAIM_CALL)),
        (
            "tests/integration/test_concurrency.py",
            "tests/integration/test_claims.py",
            "-k",
            "stages_started_together or claim_names",
        ),
    ),
    Mutation(
        "token-in-backup-metadata",
        "the bot token is put into every S3 backup's metadata",
        "alia_action/stores/backups.py",
        (
            (
                'Body=body, ContentType="application/json", IfNoneMatch="*"',
                'Body=body, ContentType="application/json", IfNoneMatch="*", '
                'Metadata={"deployed-with": os.environ.get("INPUT_BOT-TOKEN", "")}',
            ),
        ),
        ("tests/e2e/test_secret_hygiene.py",),
    ),
    Mutation(
        "non-list-200-as-empty",
        "a 2xx answer that is not a list of commands reads as 'no live commands'",
        "alia_action/discord/client.py",
        (
            (
                "                        raise self._malformed(response, problem, method, path)\n",
                '                        return [] if expect == "list" else payload\n',
            ),
        ),
        ("tests/e2e/test_hostile_inputs.py", "-k", "malformed or proxy_page"),
    ),
    Mutation(
        "local-log-when-github-unreadable",
        "a deploy falls back to deployment.log alone when GitHub Deployments cannot be read",
        "alia_action/stores/github_ledger.py",
        (("            if self.strict:\n", "            if False:  # mutation: fall back to the local log\n"),),
        ("tests/integration/test_claims.py", "tests/integration/test_github.py", "-k", "unreadable or out_of_reach"),
    ),
    # Issue 22: seven one-line bugs in the domain, the guards and the breaker that once passed the whole suite.
    Mutation(
        "choice-order-ignored",
        "choices compare as a set: a new order is not deployed (users see choices in the file's old order)",
        "alia_action/commands/canonical.py",
        (
            (
                "            value = [_choice(c) for c in value]\n",
                "            value = _sorted_set(_choice(c) for c in value)\n",
            ),
        ),
        (
            "tests/unit/test_plan_boundaries.py",
            "tests/integration/test_live_oracle.py",
            "-k",
            "choices_reordered",
        ),
    ),
    Mutation(
        "trailing-option-removal-missed",
        "the plan compares options only up to the new list's length: a removed last option is never removed",
        "alia_action/commands/plan.py",
        (("        for index in range(max(len(before), len(after))):\n", "        for index in range(len(after)):\n"),),
        (
            "tests/unit/test_plan_boundaries.py",
            "tests/integration/test_live_oracle.py",
            "-k",
            "trailing_option_removed",
        ),
    ),
    Mutation(
        "every-field-stated-only",
        "'compare only what the file states' widened to every field: a field dropped from the file stays live",
        "alia_action/commands/canonical.py",
        (
            (
                "    out = {k: v for k, v in remote.items() if k not in STATED_ONLY or k in local}\n",
                "    out = {k: v for k, v in remote.items() if k in local}\n",
            ),
        ),
        (
            "tests/unit/test_plan_boundaries.py",
            "tests/integration/test_live_oracle.py",
            "-k",
            "no_longer_states or dropped_from_the_file",
        ),
    ),
    Mutation(
        "empty-localized-description",
        "a localized description of length 0 is accepted (Discord refuses it)",
        "alia_action/commands/rules.py",
        (
            (
                "            if not 1 <= len(value) <= DESCRIPTION_MAX:\n",
                "            if len(value) > DESCRIPTION_MAX:\n",
            ),
        ),
        ("tests/unit/test_rule_boundaries.py", "-k", "description_is_one_to_a_hundred"),
    ),
    Mutation(
        "options-count-top-level-only",
        "the 25-options limit is checked only at the command's top level",
        "alia_action/commands/rules.py",
        (
            (
                "        if len(options) > OPTIONS_MAX:\n",
                '        if len(options) > OPTIONS_MAX and parent == "command":\n',
            ),
        ),
        ("tests/unit/test_rule_boundaries.py", "-k", "twenty_five_options"),
    ),
    Mutation(
        "explicit-zero-max-deletions",
        "max-deletions: 0 on a guild falls back to the default of 5",
        "alia_action/steps/guards.py",
        (("    if settings.max_deletions is not None:\n", "    if settings.max_deletions:\n"),),
        ("tests/integration/test_guard_boundaries.py", "-k", "deletion"),
    ),
    Mutation(
        "staging-age-seconds-component",
        "the staging record's age is read from the seconds component of the time difference (days ignored)",
        "alia_action/steps/breaker.py",
        (
            (
                "    if age > timedelta(seconds=settings.staging_max_age):\n",
                "    if age.seconds > settings.staging_max_age:\n",
            ),
        ),
        ("tests/integration/test_guard_boundaries.py", "-k", "breaker"),
    ),
)


def apply(mutation: Mutation, tree: Path) -> None:
    path = tree / mutation.file
    text = path.read_text(encoding="utf-8")
    for old, new in mutation.edits:
        count = text.count(old)
        if count != 1:
            raise SystemExit(
                f"mutation {mutation.name}: the code it breaks was found {count} times in {mutation.file}; "
                "update the mutation to the current code"
            )
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def copy_tree(destination: Path) -> None:
    """The files git tracks, plus the untracked ones it does not ignore (a change not committed yet)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        source = ROOT / raw.decode()
        if not source.is_file():
            continue  # deleted in the working tree
        target = destination / raw.decode()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def run(mutation: Mutation, python: str) -> tuple[bool, str, float]:
    """(caught, by which test or why not, seconds)."""
    with tempfile.TemporaryDirectory(prefix=f"mutation-{mutation.name}-") as folder:
        tree = Path(folder)
        copy_tree(tree)
        apply(mutation, tree)
        env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
        # The copy's package, not the installed one: prove it before trusting a green run.
        where = subprocess.run(
            [python, "-c", "import alia_action; print(alia_action.__file__)"],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if not where.startswith(str(tree)):
            raise SystemExit(f"mutation {mutation.name}: the tests would import {where}, not the mutated copy")
        start = time.monotonic()
        proc = subprocess.run(
            [
                python,
                "-m",
                "pytest",
                "-q",
                "-x",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:randomly",
                "-n",
                "0",
                "--e2e",  # the named tests decide what runs: an e2e file must not be deselected by the fast tier
                *mutation.tests,
            ],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.monotonic() - start
    failed = re.findall(r"^FAILED (.+?)(?: - .*)?$", proc.stdout, re.MULTILINE)
    if proc.returncode == 1 and failed:
        said = next((line[1:].strip() for line in proc.stdout.splitlines() if line.startswith("E ")), "")
        return True, f"{failed[0]}" + (f" ({said[:140]})" if said else ""), elapsed
    if proc.returncode == 0:
        return False, "every selected test passed", elapsed
    tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
    return False, f"pytest exited {proc.returncode} without a failing test: {' | '.join(tail)}", elapsed


def missing_dependencies(python: str) -> str | None:
    """Why ``python`` cannot run the checks (the project or its test dependencies not importable), or None:
    without them every mutation would "survive" for a reason that has nothing to do with the tests."""
    probe = subprocess.run(
        [python, "-c", "import alia_action.config, pytest, hypothesis, moto"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode == 0:
        return None
    lines = (probe.stderr or probe.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit {probe.returncode}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the mutations and exit")
    parser.add_argument("--only", action="append", choices=[m.name for m in MUTATIONS], help="run only these")
    parser.add_argument("--python", default=sys.executable, help="interpreter with the test dependencies")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.only or m.name in args.only]
    if args.list:
        for m in chosen:
            print(f"{m.name}: {m.what} ({m.file}); tests: {' '.join(m.tests)}")
        return 0
    missing = missing_dependencies(args.python)
    if missing is not None:
        print(
            f"mutation check cannot run: {args.python} cannot import the project and its test dependencies "
            f"({missing}). Run it with the project's virtual environment: `source .venv/bin/activate` first, or "
            "`.venv/bin/python tools/mutation_check.py`. No mutation was checked.",
            file=sys.stderr,
        )
        return 2
    survivors = 0
    for mutation in chosen:
        caught, detail, seconds = run(mutation, args.python)
        survivors += not caught
        verdict = "caught by" if caught else "NOT CAUGHT:"
        print(f"mutation {mutation.name}: {verdict} {detail} ({seconds:.0f} s)", flush=True)
    print(f"mutation check: {len(chosen) - survivors} of {len(chosen)} breakages caught")
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main())
