"""How many examples a Hypothesis test generates, by tier: its full count in the full suite (``--e2e``, as CI and
README set-up command 2 run it), a third of it in the fast tier (plain ``pytest``), and a few under mutmut, where
every mutant reruns the tests that reach it (tools/mutation.sh)."""

from __future__ import annotations

import os

FULL_TIER = "COMMAND_DEPLOY_FULL_TIER"  # set by conftest.py when --e2e is given


def examples(full: int) -> int:
    if os.environ.get("MUTANT_UNDER_TEST"):
        return min(full, 20)
    if os.environ.get(FULL_TIER):
        return full
    return max(full // 3, 50)
