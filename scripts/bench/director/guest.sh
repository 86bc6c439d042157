#!/usr/bin/env bash
# The kernel-lab half of the director benchmark (run by scripts/bench/director.sh through scripts/kernel-lab.sh):
# raises the open-files limit (10,000 checks in flight need sockets; keepalived raises its own, node does not),
# then runs the measurements, scripts/bench/director/guest.mjs, with the same arguments.
set -euo pipefail
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
ulimit -n 1048576 2>/dev/null || true
exec node "$(dirname "${BASH_SOURCE[0]}")/guest.mjs" "$@"
