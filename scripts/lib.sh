# Shared by scripts/server.sh and scripts/test.sh (sourced, not run): install what k3py needs
# on Debian 12, idempotently, without a terminal.

K3PY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DEBIAN_FRONTEND=noninteractive PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1

banner() {
    printf '\n==> %s\n' "$*"
}

# as_root CMD...: run CMD as root (directly, or through sudo for a developer).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "error: need root to run: $*" >&2
        return 1
    fi
}

# ensure_debian_packages PKG...: apt-get install the packages that are not installed yet.
# Services that a package would start on install (PostgreSQL on 5432, MariaDB on 3306,
# etcd on 2379) are kept from starting: tests run their own instances on their own ports.
ensure_debian_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        if [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != installed ]; then
            missing+=("$pkg")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "already installed: $*"
        return 0
    fi
    echo "installing: ${missing[*]}"
    local policy=/usr/sbin/policy-rc.d created_policy=""
    if [ ! -e "$policy" ]; then
        as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
        created_policy=yes
    fi
    local rc=0
    as_root apt-get update -q || rc=$?
    if [ $rc -eq 0 ]; then
        as_root apt-get install -y -q --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            "${missing[@]}" </dev/null || rc=$?
    fi
    if [ -n "$created_policy" ]; then
        as_root rm -f "$policy"
    fi
    return $rc
}

# ensure_venv [EXTRAS]: .venv with k3py installed editable (pip install -e '.[EXTRAS]');
# reinstalls only when pyproject.toml changed or the venv points at another checkout.
ensure_venv() {
    local extras="${1:-}" venv="$K3PY_ROOT/.venv"
    local spec=".${extras:+[$extras]}" name="k3py${extras:+[$extras]}"
    if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
        rm -rf "$venv"
        "${PYTHON:-python3}" -m venv "$venv" || return 1
    fi
    local stamp="$venv/.k3py-installed${extras:+-$extras}" want current
    want="$(sha256sum "$K3PY_ROOT/pyproject.toml" | cut -d' ' -f1)"
    current="$(cat "$stamp" 2>/dev/null || true)"
    # Any install of the current pyproject.toml (with any extras) serves a plain '.'.
    if [ -z "$extras" ] && grep -qsx "$want" "$venv"/.k3py-installed*; then
        current="$want"
    fi
    if [ "$current" = "$want" ] && (cd / && "$venv/bin/python" -c '
import pathlib, sys, k3py
sys.exit(not pathlib.Path(k3py.__file__).resolve().is_relative_to(pathlib.Path(sys.argv[1]).resolve()))
' "$K3PY_ROOT/src") >/dev/null 2>&1; then
        echo "reusing $venv ($name already installed)"
        return 0
    fi
    (cd "$K3PY_ROOT" && "$venv/bin/python" -m pip install -q --progress-bar off -e "$spec") ||
        return 1
    echo "$want" >"$stamp"
    echo "installed $name into $venv"
}
