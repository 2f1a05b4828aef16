#!/usr/bin/env bash
# Mutation testing with mutmut (configured in pyproject.toml [tool.mutmut]): every small change mutmut can make to
# the domain (alia_action/commands), the deploy steps (alia_action/steps) and the circuit breaker
# (alia_action/handlers/promote.py), each run against the fast tests that reach it; then the score per module
# (tools/mutation_score.py), failing below the threshold. Equivalent mutants: tests/mutation-equivalents.md.
#
#   bash tools/mutation.sh                                  # all of them (CI)
#   bash tools/mutation.sh 'alia_action.steps.guards.*'     # one module's mutants (names as mutmut prints them)
#   .venv/bin/mutmut show alia_action.steps.guards.x_deletion_limit__mutmut_3   # one mutant's diff
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${VENV:-.venv}/bin
rm -rf mutants  # a fresh run: results cached from other code must not count
start=$(date +%s)
"$bin/mutmut" run --max-children "${MUTATION_CHILDREN:-2}" "$@" > mutants.log 2>&1 || { tail -n 40 mutants.log; exit 1; }
echo "mutmut: $(( $(date +%s) - start )) s (log: mutants.log)"
"$bin/python" tools/mutation_score.py ${MUTATION_THRESHOLD:+--threshold "$MUTATION_THRESHOLD"}
