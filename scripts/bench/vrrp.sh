#!/usr/bin/env bash
# vrrp benchmark (`npm run bench -- vrrp`): failover drills, lvsd against keepalived, in the netns lab.
#
# A client probes VIP:7000 every 10 ms (TCP connect + one request line, 150 ms timeout) while
#   crash    the master (d1) drops off the network: its front interface goes down, and
#   planned  the master's daemon is stopped gracefully (SIGTERM: lvsd hands over make-before-break,
#            keepalived sends priority 0),
# each at VRRPv2 advert_int 1 and VRRPv3 advert_int 0.1, for an lvsd pair and a keepalived pair (a fresh pair per
# round, the two alternating), on the same lab, ip transport (IP protocol 112). Per scenario: the longest gap
# between successful probes and the failed probes (median of the rounds), plus takeover diagnostics.
# Driver: scripts/bench/vrrp/drill.mjs (it documents the settling and timing rules); probe: vrrp/probe.mjs (client
# namespace); responder: vrrp/responder.mjs (a TCP server on 0.0.0.0 in each director, so the VIP answers wherever
# it is).
# Targets: crash gap no worse than keepalived's (C <= 1.0, C the worse of the v2 and v3 link-down ratios of
# medians), zero failed probes for lvsd in the planned stops. The last line is the summary:
#   vrrp crash ratio C (lvsd/keepalived), planned-stop failed probes lvsd P vs keepalived K
# (P and K: failed probes summed over every planned-stop round of both versions.)
#
# Usage: bash scripts/bench.sh vrrp [--rounds N] [--rounds-v3 N] [--impl lvsd,keepalived] [--versions 2,3]
#                                   [--scenarios crash,planned] [--no-build] [--keep] [--capture]
# --rounds: drills per VRRPv2 scenario (default 3); --rounds-v3: per VRRPv3 scenario (default 5: they are short,
# and one 10 ms probe is 3 % of their gap, so more rounds steady the median). --keep leaves the logs (daemons,
# probe) in the work directory; --capture also records the client's view (VRRP, ARP, TCP SYNs to the VIP) in
# client.pcap there, with tcpdump. The lab is torn down at the end, on failure too.
# Needs root (network namespaces) and keepalived. Takes about 4-5 minutes.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

rounds=3 build=1 keep=0 capture=0
driver_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift ;;
    --rounds-v3 | --impl | --versions | --scenarios) driver_args+=("$1" "$2"); shift ;;
    --no-build) build=0 ;;
    --keep) keep=1 ;;
    --capture) capture=1 keep=1 ;;
    *) echo "vrrp: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "vrrp: needs root (network namespaces)" >&2; exit 2; }
command -v keepalived >/dev/null || { echo "vrrp: keepalived is not installed" >&2; exit 2; }
[ "$capture" = 0 ] || command -v tcpdump >/dev/null || { echo "vrrp: --capture needs tcpdump" >&2; exit 2; }
log() { echo "vrrp: $*" >&2; }

work=$(mktemp -d /tmp/lvsd-bench-vrrp.XXXXXX)
prefix=vb$$
driver= tcpdump=
cleanup() {
  if [ -n "$tcpdump" ]; then kill -INT "$tcpdump" 2>/dev/null || true; wait "$tcpdump" 2>/dev/null || true; fi
  if [ -n "$driver" ]; then kill "$driver" 2>/dev/null || true; wait "$driver" 2>/dev/null || true; fi
  # Kills whatever still runs in the lab's namespaces (daemons, probe, responders), then deletes them.
  bash scripts/netns-lab.sh down -p "$prefix" >/dev/null 2>&1 || true
  if [ "$keep" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$build" = 1 ]; then
  [ -f build/Release/vrrp_socket.node ] || npm run --silent build:native >&2
  npx --no-install tsc -p tsconfig.build.json
fi
[ -f dist/src/cli/lvsd.js ] || { echo "vrrp: dist/src/cli/lvsd.js missing (npm run build)" >&2; exit 1; }
keepalived --version >"$work/keepalived.version" 2>&1 || true
log "load before: $(uptime)"
bash scripts/netns-lab.sh up -p "$prefix" -r 0 >&2
if [ "$capture" = 1 ]; then
  ip netns exec "$prefix-client" tcpdump -i eth0 -U -w "$work/client.pcap" \
    'ip proto 112 or arp or (tcp port 7000 and tcp[tcpflags] & tcp-syn != 0)' 2>"$work/tcpdump.log" &
  tcpdump=$!
  sleep 0.5
fi

node scripts/bench/vrrp/drill.mjs --prefix "$prefix" --work "$work" --rounds "$rounds" "${driver_args[@]}" >"$work/report.txt" &
driver=$!
status=0
wait "$driver" || status=$?
driver=
if [ "$status" != 0 ]; then
  log "the drills failed (status $status); logs in $work"
  keep=1
  exit "$status"
fi
if [ -n "$tcpdump" ]; then kill -INT "$tcpdump" 2>/dev/null || true; wait "$tcpdump" 2>/dev/null || true; tcpdump=; fi
bash scripts/netns-lab.sh down -p "$prefix" >&2
cat "$work/report.txt"
