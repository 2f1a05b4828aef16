"""The mutation checks stay aimed at the code: each breakage's edit still matches exactly one place.

(Running them is tools/mutation_check.py's job, in .ci/run; a stale edit would make it stop with an error, this
says so already in the ordinary suite.)"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_mutation_edits_exactly_one_place_of_the_current_code(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("mutation_check", ROOT / "tools" / "mutation_check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutation_check"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    names = set()
    for mutation in module.MUTATIONS:
        names.add(mutation.name)
        target = tmp_path / mutation.name / mutation.file
        target.parent.mkdir(parents=True)
        original = (ROOT / mutation.file).read_text(encoding="utf-8")
        target.write_text(original, encoding="utf-8")
        module.apply(mutation, tmp_path / mutation.name)  # raises SystemExit when an edit matches 0 or 2+ times
        mutated = target.read_text(encoding="utf-8")
        assert mutated != original
        compile(mutated, str(target), "exec")  # a breakage of behaviour, never a syntax error
        for test in mutation.tests:
            if test.startswith("tests/"):
                assert (ROOT / test.split("::")[0]).is_file(), test
    assert names == {
        "skip-verification-get",
        "skip-backup",
        "write-before-claim",
        "token-in-backup-metadata",
        "non-list-200-as-empty",
        "local-log-when-github-unreadable",
        "choice-order-ignored",
        "trailing-option-removal-missed",
        "every-field-stated-only",
        "empty-localized-description",
        "options-count-top-level-only",
        "explicit-zero-max-deletions",
        "staging-age-seconds-component",
    }
