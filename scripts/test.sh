#!/usr/bin/env bash
# Install what the tests need on Debian 12 (as root), then run every check, stopping at the
# first failure: ruff, mypy, lint-imports, pytest. Extra arguments go to pytest.
#
#   sudo bash scripts/test.sh                 # everything
#   bash scripts/test.sh -k etcd -x           # a developer's quick loop (pytest arguments)
#
# Idempotent: packages and the .venv are installed only when missing or out of date.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/clients.sh"
cd "$K3PY_ROOT"

SYSTEM_PACKAGES=(
    postgresql-15 mariadb-server mariadb-client etcd-server etcd-client
    haproxy python3-venv python3-dev gcc
)

declare -a TIMINGS=()
step() {
    local name="$1" began rc=0
    shift
    banner "$name"
    began=$SECONDS
    # A subshell with its own errexit: under "cmd || rc=$?" bash would ignore failures
    # inside shell functions such as ensure_venv.
    set +e
    (set -e; "$@")
    rc=$?
    set -e
    TIMINGS+=("$(printf '%-16s %4ds%s' "$name" $((SECONDS - began)) \
        "$([ $rc -eq 0 ] || echo "  FAILED (exit $rc)")")")
    if [ $rc -ne 0 ]; then
        summary
        echo "scripts/test.sh: step '$name' failed (exit $rc)" >&2
        exit $rc
    fi
}
summary() {
    banner "durations"
    printf '  %s\n' "${TIMINGS[@]}"
}

lint_paths=()
for dir in src tests bench; do
    [ -d "$dir" ] && lint_paths+=("$dir")
done

step "system packages" ensure_debian_packages "${SYSTEM_PACKAGES[@]}"
step "python venv" ensure_venv test
step "clients" ensure_clients
step "ruff" .venv/bin/ruff check "${lint_paths[@]}"
step "mypy" .venv/bin/mypy
step "lint-imports" .venv/bin/lint-imports --no-cache
summary
# Last, by exec: pytest's own closing line ("N passed in Ns") ends the output, and its exit
# code is ours (5, no test collected, fails like any other).
banner "pytest"
exec .venv/bin/pytest -q "$@"
