#!/usr/bin/env bash
# The kernel-lab half of the checks benchmark (run by scripts/bench/checks.sh through scripts/kernel-lab.sh):
# keepalived -C and lvsd's checker engine check the same COUNT real servers (tcp, then http), one after the
# other, in this boot. Topology: this (director) namespace --veth 10.254.0.0/30-- namespace `chksrv`, which has
# the real servers' addresses 198.18.(i/250).(i%250+1)/32 on its lo and one server process (checks-server.mjs)
# on 0.0.0.0:80; the director routes 198.18.0.0/15 via the veth. keepalived needs IPVS here (one virtual
# server 10.255.0.1:80 with the COUNT real servers); lvsd's engine does not touch IPVS.
# Per run: WARMUP seconds after the checker is up, then a window of SECONDS seconds over which the checker's CPU
# (utime+stime from /proc/PID/stat: keepalived's checker child, lvsd's engine process) and the checks done are
# counted, the same way for both. Checks done = TCP handshakes completed: SYN-ACKs from 198.18.0.0/15 port 80
# arriving in this namespace, counted by an nftables counter (the server's own accept count is reported too,
# but a saturated server accepts late). lvsd's engine also reports its own window (attempts, lateness).
# Prints one JSON line per run (and appends it to $LVSD_KERNEL_LAB_OUT/results.jsonl).
#
# With CHECKS_VM_ROUNDS=N, each type is measured N times per engine, the order alternating (keepalived, lvsd,
# then lvsd, keepalived, ...), so a change in the host's load during the runs weighs on both engines alike.
#
#   guest.sh WORKDIR   (WORKDIR holds checks-engine.mjs and checks-server.mjs; env: CHECKS_VM_SERVERS=500,
#                       CHECKS_VM_SECONDS=30, CHECKS_VM_WARMUP=8, CHECKS_VM_TYPES="tcp http",
#                       CHECKS_VM_ENGINES="keepalived lvsd", CHECKS_VM_ROUNDS=1, CHECKS_VM_PROFILE=0,
#                       CHECKS_NODE_FLAGS: node flags of lvsd's engine)
set -euo pipefail
work=$1
count=${CHECKS_VM_SERVERS:-500}
seconds=${CHECKS_VM_SECONDS:-30}
warm=${CHECKS_VM_WARMUP:-8}
types=${CHECKS_VM_TYPES:-tcp http}
engines=${CHECKS_VM_ENGINES:-keepalived lvsd}
rounds=${CHECKS_VM_ROUNDS:-1}
profile=${CHECKS_VM_PROFILE:-0} # 1: run lvsd's engine under --cpu-prof (profiles in $LVSD_KERNEL_LAB_OUT/prof-TYPE)
out=${LVSD_KERNEL_LAB_OUT:-/tmp}
run=$(mktemp -d /tmp/checks-guest.XXXXXX)
stats=$run/server.json
hz=$(getconf CLK_TCK)
log() { echo "checks(vm): $*" >&2; }

modprobe ip_vs 2>/dev/null || true
ip link set lo up
ip netns add chksrv
ip link add vd type veth peer name vs netns chksrv
ip addr add 10.254.0.1/30 dev vd
ip link set vd up
ip -n chksrv link set lo up
ip -n chksrv addr add 10.254.0.2/30 dev vs
ip -n chksrv link set vs up
ip route add 198.18.0.0/15 via 10.254.0.2
for ((i = 0; i < count; i++)); do echo "addr add 198.18.$((i / 250)).$((i % 250 + 1))/32 dev lo"; done > "$run/addrs.batch"
ip -n chksrv -batch "$run/addrs.batch"
log "$(ip -n chksrv -4 -o addr show dev lo | wc -l) addresses in namespace chksrv"

sysctl -qw net.core.somaxconn=65535
ip netns exec chksrv sysctl -qw net.core.somaxconn=65535 2>/dev/null || true
modprobe nf_tables 2>/dev/null || true
nft add table inet chk
nft add chain inet chk in '{ type filter hook input priority 0; policy accept; }'
nft add rule inet chk in ip saddr 198.18.0.0/15 tcp sport 80 'tcp flags & (syn | ack) == syn | ack' counter

ip netns exec chksrv node "$work/checks-server.mjs" 80 "$stats" 2>"$run/server.log" &
server=$!
for _ in $(seq 100); do [ -s "$stats" ] && break; sleep 0.2; done
sleep 1

# server_accepted: the server's accepted-connections counter and its time (ms), "ACCEPTED T".
server_count() { node -e 'const s=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(s.accepted, s.t)' "$stats"; }
# cpu_ticks PID: "UTIME STIME" of PID in clock ticks.
cpu_ticks() { awk '{ print $14, $15 }' "/proc/$1/stat"; }
# handshakes: SYN-ACKs counted so far.
handshakes() { nft list chain inet chk in | grep -o 'packets [0-9]*' | awk '{ print $2 }'; }

# measure ENGINE TYPE PID [EXTRA_JSON]: warm-up, then the window; prints the run's JSON line.
measure() {
  local engine=$1 t=$2 pid=$3 extra=${4:-}
  sleep "$warm"
  local u0 k0 h0 s0 t0 u1 k1 h1 s1 t1 _
  local su0 sk0 su1 sk1
  t0=$(date +%s%3N); read -r u0 k0 < <(cpu_ticks "$pid"); h0=$(handshakes); read -r su0 sk0 < <(cpu_ticks "$server")
  read -r s0 _ < <(server_count)
  sleep "$seconds"
  t1=$(date +%s%3N); read -r u1 k1 < <(cpu_ticks "$pid"); h1=$(handshakes); read -r su1 sk1 < <(cpu_ticks "$server")
  read -r s1 _ < <(server_count)
  local scpu=$(( (su1 + sk1 - su0 - sk0) ))
  node -e '
    const [engine, t, count, hz, u0, k0, u1, k1, h0, h1, s0, s1, t0, t1, extra, scpu] = process.argv.slice(1);
    const user = (u1 - u0) / hz, sys = (k1 - k0) / hz, cpu = user + sys, checks = h1 - h0, secs = (t1 - t0) / 1000;
    console.log(JSON.stringify({ engine, type: t, servers: +count, seconds: +secs.toFixed(2), checks,
      checksPerSecond: +(checks / secs).toFixed(1), serverAccepted: s1 - s0, cpuSeconds: +cpu.toFixed(2),
      cpuUserSeconds: +user.toFixed(2), cpuSystemSeconds: +sys.toFixed(2),
      cpuPer1000: +(cpu * 1000 / Math.max(1, checks)).toFixed(4), cpuPercentOfOneCore: +(100 * cpu / secs).toFixed(1),
      serverCpuPercentOfOneCore: +(100 * scpu / hz / secs).toFixed(1), ...(extra ? JSON.parse(extra) : {}) }));' \
    "$engine" "$t" "$count" "$hz" "$u0" "$k0" "$u1" "$k1" "$h0" "$h1" "$s0" "$s1" "$t0" "$t1" "$extra" "$scpu"
}

keepalived_conf() { # TYPE
  echo 'global_defs { router_id bench }'
  echo 'virtual_server 10.255.0.1 80 {'
  echo '  delay_loop 1'
  echo '  lb_algo rr'
  echo '  lb_kind NAT'
  echo '  protocol TCP'
  local i
  for ((i = 0; i < count; i++)); do
    echo "  real_server 198.18.$((i / 250)).$((i % 250 + 1)) 80 {"
    if [ "$1" = http ]; then
      echo '    HTTP_GET { url { path / status_code 200 } connect_timeout 3 retry 1 delay_before_retry 1 }'
    else
      echo '    TCP_CHECK { connect_timeout 3 retry 1 delay_before_retry 1 }'
    fi
    echo '  }'
  done
  echo '}'
}

run_keepalived() { # TYPE
  local t=$1 d="$run/keepalived-$1"
  mkdir -p "$d"
  keepalived_conf "$t" > "$d/keepalived.conf"
  ipvsadm -C
  keepalived -C -n -l -f "$d/keepalived.conf" -p "$d/keepalived.pid" -c "$d/checkers.pid" > "$d/log" 2>&1 &
  local parent=$! child=
  for _ in $(seq 150); do
    [ -s "$d/checkers.pid" ] && child=$(cat "$d/checkers.pid") && [ -e "/proc/$child/stat" ] && break
    sleep 0.2
  done
  [ -n "$child" ] || { log "keepalived checker child did not start"; cat "$d/log" >&2; return 1; }
  local line dests
  line=$(measure keepalived "$t" "$child")
  dests=$(ipvsadm -Ln | grep -c -- '->.*Masq' || true)
  kill "$parent"; wait "$parent" 2>/dev/null || true
  ipvsadm -C
  echo "${line%\}},\"realServersUp\":$dests}" | tee -a "$out/results.jsonl"
}

run_lvsd() { # TYPE
  local t=$1 d="$run/lvsd-$1"
  mkdir -p "$d"
  local prof=()
  [ "$profile" = 1 ] && prof=(--cpu-prof --cpu-prof-dir="$out/prof-$t")
  # shellcheck disable=SC2086 # CHECKS_NODE_FLAGS: lvsd's node flags, words
  node ${CHECKS_NODE_FLAGS:-} "${prof[@]}" "$work/checks-engine.mjs" --type "$t" --prefix 198.18 --count "$count" --port 80 --warmup "$warm" \
    --seconds "$seconds" --stats "$stats" --ready "$d/ready" --linger 20 --out "$d/engine.json" > "$d/log" 2>&1 &
  local pid=$!
  for _ in $(seq 300); do [ -e "$d/ready" ] && break; sleep 0.1; done
  [ -e "$d/ready" ] || { log "lvsd engine did not start"; cat "$d/log" >&2; return 1; }
  local line
  line=$(measure lvsd "$t" "$pid")
  kill -USR2 "$pid" 2>/dev/null || true # ends the linger
  wait "$pid" || { log "lvsd engine failed"; cat "$d/log" >&2; return 1; }
  # The engine's own view of (nearly) the same window: attempts it started, lateness, timeouts, servers up.
  local own
  own=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));
    console.log(JSON.stringify({ attempts: r.attempts, attemptsPerSecond: r.attemptsPerSecond, ownCpuPer1000Attempts:
      +(r.cpuSeconds * 1000 / Math.max(1, r.attempts)).toFixed(4), latenessMs: r.latenessMs, timeouts: r.timeouts,
      realServersUp: r.realServersUp, peakRssMB: r.peakRssMB }))' "$d/engine.json")
  echo "${line%\}},${own#\{}" | tee -a "$out/results.jsonl"
}

reversed=$(echo "$engines" | tr ' ' '\n' | tac | tr '\n' ' ')
for t in $types; do
  for ((r = 1; r <= rounds; r++)); do
    order=$engines
    ((r % 2 == 0)) && order=$reversed
    for e in $order; do
      log "$e $t (round $r of $rounds): $count real servers, ${warm} s warm-up, ${seconds} s window"
      "run_$e" "$t"
    done
  done
done
kill "$server"; wait "$server" 2>/dev/null || true
