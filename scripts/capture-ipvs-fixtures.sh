#!/usr/bin/env bash
# capture-ipvs-fixtures.sh: records what the real ipvsadm sends to the kernel's IPVS and what the
# kernel answers, on an nlmon interface, and writes them as golden fixtures for the unit tests.
#
# Usage:
#   scripts/capture-ipvs-fixtures.sh [OUT.json]
#       On the host: boots the kernel lab (scripts/kernel-lab.sh), runs the capture inside and writes
#       OUT.json (default test/unit/ipvs/fixtures/captured/ipvsadm.json) plus the raw pcap next to it
#       as OUT.pcap (for wireshark / tcpdump -r).
#   scripts/capture-ipvs-fixtures.sh --inside DIR
#       What runs in the lab: a fresh network namespace with an nlmon tap, tcpdump on it, and one
#       ipvsadm command per step (see STEPS below); leaves ipvs.pcap and steps.tsv (+ per-step
#       stdout/stderr) in DIR. The host side then converts them with capture-ipvs-fixtures.mjs.
#
# Each step's messages are told apart by time: the steps run one after the other, and each step's
# start/end (CLOCK_REALTIME, the clock of the pcap timestamps) is logged in steps.tsv.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

# name | description | ipvsadm arguments (word-split; no quoting needed in these)
STEPS=(
  "list-empty|ipvsadm -L -n on an empty table: GET_INFO, then GET_SERVICE dump (empty)|-L -n"
  "add-service-tcp-rr|new TCP service, rr|-A -t 192.0.2.10:80 -s rr"
  "add-service-duplicate|the same service again: EEXIST|-A -t 192.0.2.10:80 -s rr"
  "add-service-udp-persistent|UDP, wlc, persistent 300 s with a /24 netmask|-A -u 192.0.2.10:53 -s wlc -p 300 -M 255.255.255.0"
  "add-service-tcp6-sh|IPv6 TCP, sh with sh-fallback,sh-port, persistent 600 s, /64|-A -t [2001:db8::10]:443 -s sh -b sh-fallback,sh-port -p 600 -M 64"
  "add-service-udp-pe-sip|UDP, rr, persistent 60 s with the sip persistence engine|-A -u 192.0.2.10:5060 -s rr -p 60 --pe sip"
  "add-service-udp-ops|UDP, rr, one-packet scheduling|-A -u 192.0.2.10:4500 -s rr -o"
  "add-service-sctp-mh|SCTP, mh with mh-fallback,mh-port|-A --sctp-service 192.0.2.10:3868 -s mh -b mh-fallback,mh-port"
  "add-service-fwmark4|fwmark 7 (IPv4), wrr|-A -f 7 -s wrr"
  "add-service-fwmark6|fwmark 8 (IPv6), lc|-A -f 8 -6 -s lc"
  "edit-service|edit: wlc, persistent 120 s|-E -t 192.0.2.10:80 -s wlc -p 120"
  "add-dest-masq|masq real server with port, weight 3, thresholds 100/10|-a -t 192.0.2.10:80 -r 10.0.0.1:8080 -m -w 3 -x 100 -y 10"
  "add-dest-route|direct routing (gatewaying), port from the service|-a -t 192.0.2.10:80 -r 10.0.0.2 -g"
  "add-dest-ipip|tunnel, ipip|-a -t 192.0.2.10:80 -r 10.0.0.3 -i"
  "add-dest-gue|tunnel, gue port 6080 with checksum|-a -t 192.0.2.10:80 -r 10.0.0.4 -i --tun-type gue --tun-port 6080 --tun-csum"
  "add-dest-gue-remcsum|tunnel, gue port 6081 with remote checksum offload|-a -t 192.0.2.10:80 -r 10.0.0.8 -i --tun-type gue --tun-port 6081 --tun-remcsum"
  "add-dest-gre|tunnel, gre with checksum|-a -t 192.0.2.10:80 -r 10.0.0.5 -i --tun-type gre --tun-csum"
  "add-dest-mixed|IPv4 tunnel real server of an IPv6 service|-a -t [2001:db8::10]:443 -r 10.0.0.6 -i"
  "add-dest-v6|IPv6 masq real server|-a -t [2001:db8::10]:443 -r [2001:db8::100]:8443 -m -w 2"
  "add-dest-duplicate|the same real server again: EEXIST|-a -t 192.0.2.10:80 -r 10.0.0.2 -g"
  "add-dest-fwmark|real server of fwmark 7, weight 0|-a -f 7 -r 10.0.0.7 -g -w 0"
  "add-dest-no-service|real server of a missing service: ESRCH|-a -t 192.0.2.99:80 -r 10.0.0.1 -g"
  "edit-dest|edit: weight 5, upper threshold 200|-e -t 192.0.2.10:80 -r 10.0.0.1:8080 -m -w 5 -x 200"
  "list-all|ipvsadm -L -n with services and real servers (GET_SERVICE dump, GET_DEST dump per service)|-L -n"
  "list-stats|ipvsadm -L -n --stats|-L -n --stats"
  "list-one|ipvsadm -L -n -t: GET_SERVICE for one service, then its GET_DEST dump|-L -n -t 192.0.2.10:80"
  "list-one-fwmark6|ipvsadm -L -n -f 8 -6|-L -n -f 8 -6"
  "list-one-missing|ipvsadm -L -n -t for a missing service: ESRCH|-L -n -t 192.0.2.99:80"
  "save|ipvsadm -S -n|-S -n"
  "del-dest|delete a real server|-d -t 192.0.2.10:80 -r 10.0.0.2"
  "del-dest-missing|delete a missing real server: ENOENT|-d -t 192.0.2.10:80 -r 10.0.0.99"
  "zero-service|zero one service's counters|-Z -t 192.0.2.10:80"
  "zero-all|zero every counter|-Z"
  "del-service|delete a service|-D -u 192.0.2.10:53"
  "del-service-fwmark|delete a fwmark service|-D -f 8 -6"
  "del-service-missing|delete a missing service: ESRCH|-D -t 192.0.2.99:80"
  "set-timeouts|ipvsadm --set 900 120 300|--set 900 120 300"
  "get-timeouts|ipvsadm -L --timeout|-L --timeout"
  "start-daemon-mixed|a sync daemon while a mixed-family real server exists: EINVAL|--start-daemon master --mcast-interface sync0"
  "del-dest-mixed|delete the IPv4 real server of the IPv6 service|-d -t [2001:db8::10]:443 -r 10.0.0.6"
  "start-daemon-master|master sync daemon with every option (IPv4 group)|--start-daemon master --mcast-interface sync0 --syncid 5 --sync-maxlen 1400 --mcast-group 239.1.2.3 --mcast-port 8849 --mcast-ttl 2"
  "start-daemon-backup6|backup sync daemon, IPv6 group, defaults otherwise|--start-daemon backup --mcast-interface sync0 --syncid 6 --mcast-group ff02::1:3"
  "list-daemons|ipvsadm -L --daemon with both daemons|-L --daemon"
  "start-daemon-duplicate|a second master: EEXIST|--start-daemon master --mcast-interface sync0"
  "stop-daemon-master|ipvsadm --stop-daemon master|--stop-daemon master"
  "stop-daemon-backup|ipvsadm --stop-daemon backup|--stop-daemon backup"
  "stop-daemon-missing|stop a daemon that is not running: ESRCH|--stop-daemon master"
  "flush|ipvsadm -C|-C"
)

now() { date +%s.%N; }

inside() {
  local dir=$1 ns=lvsd-capture step name desc args i=0 t0 t1 rc pid
  mkdir -p "$dir"
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link add sync0 type dummy
  ip -n "$ns" link set sync0 multicast on up
  ip -n "$ns" link add nlmon0 type nlmon
  ip -n "$ns" link set nlmon0 up
  for m in ip_vs_rr ip_vs_wlc ip_vs_sh ip_vs_mh ip_vs_wrr ip_vs_lc ip_vs_pe_sip; do modprobe "$m"; done
  ip netns exec "$ns" tcpdump -i nlmon0 -U -s 0 -w "$dir/ipvs.pcap" 2>"$dir/tcpdump.log" &
  pid=$!
  # tcpdump is listening once it says so on stderr.
  for i in $(seq 1 100); do grep -q listening "$dir/tcpdump.log" 2>/dev/null && break; sleep 0.1; done
  sleep 0.5
  {
    printf 'uname\t%s\n' "$(uname -r)"
    printf 'ipvsadm\t%s\n' "$(dpkg-query -W -f='${Version}' ipvsadm)"
    printf 'libnl\t%s\n' "$(dpkg-query -W -f='${Version}' libnl-genl-3-200)"
  } >"$dir/meta.tsv"
  : >"$dir/steps.tsv"
  i=0
  for step in "${STEPS[@]}"; do
    IFS='|' read -r name desc args <<<"$step"
    i=$((i + 1))
    sleep 0.2
    t0=$(now)
    rc=0
    # shellcheck disable=SC2086 # word splitting of the arguments is intended
    ip netns exec "$ns" ipvsadm $args >"$dir/$i.out" 2>"$dir/$i.err" || rc=$?
    t1=$(now)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$name" "$desc" "ipvsadm $args" "$t0" "$t1" "$rc" >>"$dir/steps.tsv"
  done
  sleep 1
  kill -INT "$pid"
  wait "$pid" || true
  ip netns del "$ns"
}

case "${1:-}" in
  --inside)
    inside "${2:?--inside needs a directory}"
    ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    ;;
  *)
    out=${1:-$root/test/unit/ipvs/fixtures/captured/ipvsadm.json}
    work=$(mktemp -d /tmp/ipvs-capture.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    # The lab's output goes to a file: see the note on stdout in kernel-lab.sh.
    bash "$root/scripts/kernel-lab.sh" run --out "$work" -- bash "$root/scripts/capture-ipvs-fixtures.sh" --inside /run/kernel-lab/out/cap \
      >"$work/lab.log" 2>&1 || { cat "$work/lab.log" >&2; exit 1; }
    mkdir -p "$(dirname "$out")"
    node "$root/scripts/capture-ipvs-fixtures.mjs" "$work/cap" "$out"
    cp "$work/cap/ipvs.pcap" "${out%.json}.pcap"
    echo "wrote $out and ${out%.json}.pcap"
    ;;
esac
