#!/usr/bin/env bash
# Install k3py on Debian 12 (as root) and run a single-node server on embedded SQLite.
# Arguments go to `k3py server` (e.g. --data-dir, --datastore-endpoint).
#
#   sudo bash scripts/server.sh
#
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

banner "system packages"
ensure_debian_packages python3-venv python3-dev gcc
banner "python venv"
ensure_venv
banner "k3py server $*"
exec "$K3PY_ROOT/.venv/bin/k3py" server "$@"
