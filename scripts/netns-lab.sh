#!/usr/bin/env bash
# netns-lab.sh: a director-pair topology built from network namespaces, on demand.
#
#   client ──eth0── [br-front 203.0.113.0/24, 2001:db8:f::/64] ──eth0── d1, d2
#   d1, d2 ──eth1── [br-back  192.0.2.0/24,   2001:db8:b::/64] ──eth1── rs1..rsN
#
# Every host is a namespace named PREFIX-HOST (hosts: d1 d2 client rs1..rsN); the two bridges live
# in their own namespace PREFIX-sw, so nothing is added to the caller's network stack.
# Addresses are fixed (documentation ranges, never routed anywhere):
#   front: d1 .1, d2 .2, client .100, VIP 203.0.113.10          (v6: 2001:db8:f::1, ::2, ::100, ::10)
#   back:  d1 .1, d2 .2, rsN .(10+N), gateway VIP 192.0.2.254   (v6: 2001:db8:b::1, ::2, ::(10+N), ::254)
# Real servers route by default via the gateway VIP and the client reaches the back LAN via the
# front VIP, so whichever director holds the VIPs carries the traffic (as VRRP will arrange).
# `up --gateway d1` puts both VIPs on d1 at once, for tests that need plain routing.
#
# Usage:
#   netns-lab.sh up   [-p PREFIX] [-r N] [--gateway d1|d2]   build the lab (N real servers, default 2)
#   netns-lab.sh down [-p PREFIX]                            kill its processes, delete its namespaces
#   netns-lab.sh exec [-p PREFIX] HOST CMD [ARGS...]         run a command inside HOST
#   netns-lab.sh show [-p PREFIX]                            addresses and routes of every host
#   netns-lab.sh list                                        namespaces of every lab present
# Needs root and iproute2. `down` is idempotent and safe to run after a failed `up`.
set -euo pipefail

prefix=lvs
real_servers=2
gateway=

die() { echo "netns-lab: $*" >&2; exit 1; }

parse_common() {
  while [ $# -gt 0 ]; do
    case "$1" in
      -p|--prefix) prefix=$2; shift 2 ;;
      -r|--real-servers) real_servers=$2; shift 2 ;;
      --gateway) gateway=$2; shift 2 ;;
      --) shift; break ;;
      *) break ;;
    esac
  done
  rest=("$@")
}

hosts() {
  printf "%s\n" d1 d2 client
  for ((i = 1; i <= real_servers; i++)); do echo "rs$i"; done
}

lab_namespaces() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${prefix}-(sw|d1|d2|client|rs[0-9]+)$" || true
}

# nsx NS CMD...: run a command inside PREFIX-NS.
nsx() { local ns=$1; shift; ip netns exec "$prefix-$ns" "$@"; }

new_host() {
  local host=$1
  ip netns add "$prefix-$host"
  # lo must be up in every fresh namespace: without it there is no local routing table and the
  # kernel rejects e.g. masquerading IPVS real servers with EINVAL.
  ip -n "$prefix-$host" link set lo up
  nsx "$host" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

# attach HOST IFNAME BRIDGE V4/24 V6/64: a veth from HOST's IFNAME into BRIDGE in the switch namespace.
attach() {
  local host=$1 ifname=$2 bridge=$3 v4=$4 v6=$5
  local port="$host-${ifname: -1}"
  ip -n "$prefix-sw" link add "$port" type veth peer name "$ifname" netns "$prefix-$host"
  ip -n "$prefix-sw" link set "$port" master "$bridge" up
  ip -n "$prefix-$host" addr add "$v4" dev "$ifname"
  ip -n "$prefix-$host" addr add "$v6" dev "$ifname" nodad
  ip -n "$prefix-$host" link set "$ifname" up
}

cmd_up() {
  [ "$(id -u)" = 0 ] || die "must run as root (network namespaces)"
  command -v ip >/dev/null || die "iproute2 (ip) is not installed"
  [ -z "$(lab_namespaces)" ] || die "lab '$prefix' already exists (run: $0 down -p $prefix)"
  # Whatever fails from here on (set -e, or die), leave nothing half-built behind.
  trap 'echo "netns-lab: up failed, tearing down" >&2; cmd_down' EXIT

  ip netns add "$prefix-sw"
  ip -n "$prefix-sw" link set lo up
  for br in br-front br-back; do
    # Snooping off: VRRP adverts and ARP must reach every port, with no querier on this LAN.
    ip -n "$prefix-sw" link add "$br" type bridge mcast_snooping 0 stp_state 0 forward_delay 0
    ip -n "$prefix-sw" link set "$br" up
  done

  for host in $(hosts); do new_host "$host"; done

  local d
  for d in 1 2; do
    attach "d$d" eth0 br-front "203.0.113.$d/24" "2001:db8:f::$d/64"
    attach "d$d" eth1 br-back "192.0.2.$d/24" "2001:db8:b::$d/64"
    nsx "d$d" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
      net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  done

  attach client eth0 br-front 203.0.113.100/24 2001:db8:f::100/64
  ip -n "$prefix-client" route add 192.0.2.0/24 via 203.0.113.10
  ip -n "$prefix-client" -6 route add 2001:db8:b::/64 via 2001:db8:f::10

  for ((i = 1; i <= real_servers; i++)); do
    attach "rs$i" eth1 br-back "192.0.2.$((10 + i))/24" "2001:db8:b::$((10 + i))/64"
    ip -n "$prefix-rs$i" route add default via 192.0.2.254
    ip -n "$prefix-rs$i" -6 route add default via 2001:db8:b::254
  done

  if [ -n "$gateway" ]; then
    case "$gateway" in d1|d2) ;; *) die "--gateway takes d1 or d2" ;; esac
    ip -n "$prefix-$gateway" addr add 203.0.113.10/24 dev eth0
    ip -n "$prefix-$gateway" addr add 2001:db8:f::10/64 dev eth0 nodad
    ip -n "$prefix-$gateway" addr add 192.0.2.254/24 dev eth1
    ip -n "$prefix-$gateway" addr add 2001:db8:b::254/64 dev eth1 nodad
  fi
  trap - EXIT
  echo "netns-lab: '$prefix' up: $(hosts | tr '\n' ' ')"
}

cmd_down() {
  local ns pids
  for ns in $(lab_namespaces); do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
  done
  for ns in $(lab_namespaces); do ip netns del "$ns" 2>/dev/null || true; done
  [ -z "$(lab_namespaces)" ] || die "could not delete: $(lab_namespaces | tr '\n' ' ')"
}

cmd_show() {
  local ns present
  present=$(lab_namespaces)
  real_servers=$(grep -c -- '-rs[0-9]*$' <<<"$present" || true)
  for ns in $(hosts | sed "s/^/$prefix-/"); do
    grep -qx -- "$ns" <<<"$present" || continue
    echo "== $ns"
    ip -n "$ns" -brief addr show | grep -v '^lo '
    ip -n "$ns" route show | sed 's/^/   route /'
  done
}

sub=${1:-}
[ $# -gt 0 ] && shift
parse_common "$@"
case "$sub" in
  up) cmd_up ;;
  down) cmd_down ;;
  show) cmd_show ;;
  list) ip netns list | awk '{print $1}' | grep -E -- '-(sw|d1|d2|client|rs[0-9]+)$' || true ;;
  exec)
    [ ${#rest[@]} -ge 2 ] || die "usage: exec [-p PREFIX] HOST CMD [ARGS...]"
    host=${rest[0]}
    exec ip netns exec "$prefix-$host" "${rest[@]:1}"
    ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; [ -z "$sub" ] || [ "$sub" = -h ] || [ "$sub" = --help ] || exit 2 ;;
esac
