#!/usr/bin/env bash
# checks benchmark (`npm run bench -- checks`): the CPU cost of lvsd's checker engine against keepalived's, and
# its timeliness and memory at scale.
#
# 1. Kernel lab (keepalived's checker needs IPVS; qemu TCG, emulated CPU): `keepalived -C` and lvsd's engine
#    check the same 500 real servers (tcp, then http) every second, one after the other in one boot, each for a
#    30 s window after a 30 s warm-up; CPU seconds per 1,000 checks for each, and the ratio lvsd/keepalived. The
#    warm-up lets V8 finish optimizing lvsd's hot code first: at 500 checks a second its optimizing compiler still
#    runs 20-30 s after the start (measured natively with perf), and under TCG that one-time cost would otherwise
#    land in the window (keepalived, in C, has none). Each
#    type is measured in 2 rounds (--vm-rounds), the engines' order alternating (keepalived first, then lvsd
#    first); the ratio is that of the engines' means, so a change in the host's load (this is a shared machine,
#    and the guest's CPU accounting counts time the host takes away) weighs on both alike.
#    (scripts/bench/checks/guest.sh)
# 2. Natively, in a network namespace of its own (loopback addresses 127.1.x.y): lvsd's engine alone checks
#    5,000 real servers every second for 60 s (tcp, then http): p99 lateness of check starts against their
#    schedule, CPU per 1,000 checks, peak RSS.
# The engine is scripts/bench/checks-engine.ts (HealthMonitor + createChecker, from a generated config), bundled
# with esbuild into one .mjs (node starts much faster from it under TCG); the target is one node process
# (scripts/bench/checks-server.mjs) answering on every address, which counts the connections it accepts:
# checks done = connections accepted in the window, for both engines.
# Targets: cpu ratio <= 1.0, p99 lateness < 50 ms, RSS < 150 MB. The last line is the summary.
#
# Usage: bash scripts/bench.sh checks [--no-vm] [--no-native] [--vm-servers N] [--vm-seconds S] [--vm-warmup S] [--vm-rounds N]
#                                     [--native-servers N] [--native-seconds S] [--keep]
# The engine runs with lvsd's node flags (the hashbang of src/cli/lvsd.ts).
# LVSD_BENCH_NODE_FLAGS: extra node flags for the native engine run (V8 heap experiments, e.g.
# --optimize-for-size, which node refuses in NODE_OPTIONS).
# Needs root (network namespaces, the kernel lab).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

do_vm=1 do_native=1 keep=0
vm_servers=500 vm_seconds=30 vm_warmup=30 vm_rounds=2
native_servers=5000 native_seconds=60 native_warmup=5
while [ $# -gt 0 ]; do
  case $1 in
    --no-vm) do_vm=0 ;;
    --no-native) do_native=0 ;;
    --vm-servers) vm_servers=$2; shift ;;
    --vm-seconds) vm_seconds=$2; shift ;;
    --vm-rounds) vm_rounds=$2; shift ;;
    --vm-warmup) vm_warmup=$2; shift ;;
    --native-servers) native_servers=$2; shift ;;
    --native-seconds) native_seconds=$2; shift ;;
    --keep) keep=1 ;;
    *) echo "checks: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "checks: needs root (network namespaces, kernel lab)" >&2; exit 2; }

work=$(mktemp -d /tmp/lvsd-bench-checks.XXXXXX)
ns=lvsdbench-checks-$$
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  ip netns del "$ns" 2>/dev/null || true
  if [ "$keep" = 1 ]; then echo "checks: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
log() { echo "checks: $*" >&2; }

npx --no-install esbuild scripts/bench/checks-engine.ts --bundle --platform=node --format=esm --target=node20 \
  --outfile="$work/checks-engine.mjs" --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
cp scripts/bench/checks-server.mjs "$work/"
# lvsd's own node flags (the hashbang of src/cli/lvsd.ts): the engine runs as the daemon would.
node_flags=$(head -1 src/cli/lvsd.ts | sed -n 's|^#!/usr/bin/env -S node *||p')
# The bundle lives outside the package: it finds the native probe addon (built by `npm ci`) through LVSD_ADDON_DIR.
export LVSD_ADDON_DIR="$root/build/Release"
[ -f "$LVSD_ADDON_DIR/tcp_probe.node" ] || { echo "checks: $LVSD_ADDON_DIR/tcp_probe.node missing; run npm run build:native" >&2; exit 2; }
: > "$work/native.jsonl"
mkdir -p "$work/vm"
: > "$work/vm/results.jsonl"

if [ "$do_native" = 1 ]; then
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  ip netns exec "$ns" node "$work/checks-server.mjs" 80 "$work/server.json" 2>"$work/server.log" &
  server=$!
  for _ in $(seq 50); do [ -s "$work/server.json" ] && break; sleep 0.1; done
  for t in tcp http; do
    log "native lvsd $t: $native_servers real servers (127.1.x.y), ${native_warmup} s warm-up, ${native_seconds} s window"
    ip netns exec "$ns" node $node_flags ${LVSD_BENCH_NODE_FLAGS:-} "$work/checks-engine.mjs" --type "$t" --prefix 127.1 --count "$native_servers" --port 80 \
      --warmup "$native_warmup" --seconds "$native_seconds" --stats "$work/server.json" | tee -a "$work/native.jsonl"
  done
  kill "$server"; wait "$server" 2>/dev/null || true
  server=
  ip netns del "$ns"
fi

if [ "$do_vm" = 1 ]; then
  log "kernel lab: keepalived -C vs lvsd, $vm_servers real servers, ${vm_seconds} s windows"
  bash scripts/kernel-lab.sh run --out "$work/vm" --env LVSD_ADDON_DIR="$LVSD_ADDON_DIR" --env CHECKS_NODE_FLAGS="$node_flags" --env CHECKS_VM_SERVERS="$vm_servers" \
    --env CHECKS_VM_SECONDS="$vm_seconds" --env CHECKS_VM_WARMUP="$vm_warmup" --env CHECKS_VM_ROUNDS="$vm_rounds" \
    -- bash scripts/bench/checks/guest.sh "$work"
fi

node scripts/bench/checks-report.mjs "$work/vm/results.jsonl" "$work/native.jsonl"
