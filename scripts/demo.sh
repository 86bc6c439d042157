#!/usr/bin/env bash
# demo.sh: lvsd's main job in the lab. Installs what it needs, boots the kernel lab (a Debian kernel
# with IPVS under qemu) and, inside it, shows a director pair's topology and IPVS state.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec bash scripts/kernel-lab.sh run -- bash scripts/lab/demo-guest.sh
