#!/usr/bin/env bash
# Mutation testing with mutmut (configured in pyproject.toml [tool.mutmut]): small changes to the domain
# (alia_action/commands), the deploy steps (alia_action/steps) and so the circuit breaker (steps/breaker.py), each
# run against the fast tests that reach it; then the score per module (tools/mutation_score.py), failing below the
# threshold. Equivalent mutants, each with why: tests/mutation-equivalents.md.
#
#   bash tools/mutation.sh          # CI's set: where a bug lets a write through or deploys the wrong thing: the
#                                   #   guards, the circuit breaker, and the comparison (canonical form, plan, the
#                                   #   predicted live state, what is kept from live)
#   bash tools/mutation.sh --all    # every module (about 7,500 mutants, half rejected by mypy: an hour or more here)
#   bash tools/mutation.sh 'alia_action.steps.guards.*'     # one module's mutants (names as mutmut prints them)
#   .venv/bin/mutmut show alia_action.steps.guards.x_deletion_limit__mutmut_3   # one mutant's diff (after a run)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(cd "${VENV:-.venv}/bin" && pwd)
export PATH="$bin:$PATH"  # the type check runs "mypy" (pyproject's type_check_command)
CI_SET=(
  'alia_action.steps.guards.*'
  'alia_action.steps.breaker.*'
  'alia_action.commands.canonical.*'
  'alia_action.commands.plan.*'
  'alia_action.commands.predict.*'
  'alia_action.commands.kept.*'
)
if [ $# -eq 0 ]; then
  set -- "${CI_SET[@]}"
elif [ "$1" = "--all" ]; then
  shift
fi
rm -rf mutants  # a fresh run: results cached from other code must not count
start=$(date +%s)
"$bin/mutmut" run --max-children "${MUTATION_CHILDREN:-2}" "$@" > mutants.log 2>&1 || { tail -n 40 mutants.log; exit 1; }
echo "mutmut: $(( $(date +%s) - start )) s (log: mutants.log)"
"$bin/python" tools/mutation_score.py ${MUTATION_THRESHOLD:+--threshold "$MUTATION_THRESHOLD"}
