#!/usr/bin/env bash
# The offline static checks of the action: metadata and workflow schemas, zizmor, hadolint, ruff, mypy.
# No network: check-jsonschema uses its vendored schemas, zizmor runs --offline.
#
#   tools/check_static.sh                     every check
#   tools/check_static.sh schema zizmor ...   only those (CI's static job: schema zizmor hadolint)
#
# Tools come from the project's virtualenv when there is one (VENV, default .venv), else from PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}

tool() {
  if [ -x "$VENV/bin/$1" ]; then
    echo "$VENV/bin/$1"
  elif command -v "$1" >/dev/null 2>&1; then
    command -v "$1"
  else
    echo "check_static: $1 is not installed (pip install -e '.[test]')" >&2
    return 1
  fi
}

# Every workflow the project ships, including the examples users copy.
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml examples/workflows/*.yml examples/workflows/*.yaml)
shopt -u nullglob

check_schema() {
  "$(tool check-jsonschema)" --builtin-schema vendor.github-actions action.yml
  "$(tool check-jsonschema)" --builtin-schema vendor.github-workflows "${workflows[@]}"
}
check_zizmor() {
  # Files, not directories: zizmor only discovers workflows under .github/workflows by itself.
  "$(tool zizmor)" --offline --no-progress --color never "${workflows[@]}" action.yml
}
check_hadolint() { "$(tool hadolint)" Dockerfile; }
check_ruff() {
  # Both must pass: set -e does not apply inside a function called from `if !`, so chain them.
  "$(tool ruff)" check && "$(tool ruff)" format --check
}
check_mypy() { "$(tool mypy)"; }

checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(schema zizmor hadolint ruff mypy)

failed=()
for check in "${checks[@]}"; do
  case "$check" in
    schema | zizmor | hadolint | ruff | mypy) ;;
    *)
      echo "check_static: unknown check '$check' (schema, zizmor, hadolint, ruff, mypy)" >&2
      exit 2
      ;;
  esac
  echo "== $check"
  # Run every check even after a failure, so one run lists every problem.
  if ! "check_$check"; then
    failed+=("$check")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "check_static: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "check_static: all clean (${checks[*]})"
