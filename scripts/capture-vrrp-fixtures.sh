#!/usr/bin/env bash
# capture-vrrp-fixtures.sh: runs the real keepalived (VRRP only) as MASTER in a private network namespace, records
# what it sends with tcpdump, and prints the VRRP messages, gratuitous ARP and unsolicited NA frames in the shape of
# test/unit/vrrp/fixtures/keepalived-captures.ts (paste the output there).
#
# Usage: sudo scripts/capture-vrrp-fixtures.sh [OUTDIR]
#   OUTDIR (default: a temporary directory, removed at exit) keeps the per-case configs, logs and pcaps.
#
# Layout: namespace A (keepalived, veth "va", 02:00:00:00:00:0a, 192.0.2.1/24, fe80::a, 2001:db8::1/64) joined by a
# veth pair to namespace B (tcpdump, "vb", 02:00:00:00:00:0b, 192.0.2.2/24, fe80::b). IPv6 DAD is off and the
# link-locals are static, so the addresses are usable at once and the captures are reproducible. Both namespaces are
# deleted on exit, whatever happens.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN_SECS=${RUN_SECS:-6}  # a priority-100 MASTER starts as BACKUP and takes over after 3 x advert_int + skew
NS_A="lvsd-vrrpcap-a-$$"
NS_B="lvsd-vrrpcap-b-$$"
MAC_A=02:00:00:00:00:0a
MAC_B=02:00:00:00:00:0b

if [[ $# -ge 1 ]]; then
  OUT=$1
  mkdir -p "$OUT"
  KEEP_OUT=1
else
  OUT=$(mktemp -d /tmp/lvsd-vrrpcap.XXXXXX)
  KEEP_OUT=0
fi

KA_PID=""
TD_PID=""
cleanup() {
  local rc=$?
  set +e
  [[ -n $KA_PID ]] && kill "$KA_PID" 2>/dev/null && wait "$KA_PID" 2>/dev/null
  [[ -n $TD_PID ]] && kill "$TD_PID" 2>/dev/null && wait "$TD_PID" 2>/dev/null
  ip netns del "$NS_A" 2>/dev/null
  ip netns del "$NS_B" 2>/dev/null
  [[ $KEEP_OUT == 0 ]] && rm -rf "$OUT"
  exit "$rc"
}
trap cleanup EXIT

for cmd in keepalived tcpdump ip node; do
  command -v "$cmd" >/dev/null || { echo "capture-vrrp-fixtures: $cmd not found" >&2; exit 1; }
done
KA_VERSION=$(keepalived -v 2>&1 | awk 'NR == 1 { v = $2 } END { print v }')

# --- namespaces -------------------------------------------------------------------------------------------------
ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add va netns "$NS_A" address "$MAC_A" type veth peer name vb netns "$NS_B" address "$MAC_B"
for spec in "$NS_A va" "$NS_B vb"; do
  set -- $spec
  ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.accept_dad=0"
  ip -n "$1" link set "$2" addrgenmode none
  ip -n "$1" link set lo up
  ip -n "$1" link set "$2" up
done
ip -n "$NS_A" addr add 192.0.2.1/24 dev va
ip -n "$NS_A" addr add fe80::a/64 dev va nodad
ip -n "$NS_A" addr add 2001:db8::1/64 dev va nodad
ip -n "$NS_B" addr add 192.0.2.2/24 dev vb
ip -n "$NS_B" addr add fe80::b/64 dev vb nodad

# --- cases ------------------------------------------------------------------------------------------------------
# name | description of the config | vrrp_instance body (after "interface va")
CASES=(
  "v2-ipv4|VRRPv2 IPv4, state MASTER, vrid 51, priority 100, advert_int 1, no authentication, VIPs 192.0.2.10 and 192.0.2.11|version 2
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
      192.0.2.10/24
      192.0.2.11/24
    }"
  "v2-ipv4-pass|VRRPv2 IPv4, vrid 51, priority 100, advert_int 1, authentication { auth_type PASS auth_pass secret }, VIP 192.0.2.10|version 2
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
      auth_type PASS
      auth_pass secret
    }
    virtual_ipaddress {
      192.0.2.10/24
    }"
  "v3-ipv4|VRRPv3 IPv4, vrid 52, priority 255, advert_int 1, VIP 192.0.2.20|version 3
    virtual_router_id 52
    priority 255
    advert_int 1
    virtual_ipaddress {
      192.0.2.20/24
    }"
  "v3-ipv4-fast|VRRPv3 IPv4, vrid 53, priority 100, advert_int 0.1, VIP 192.0.2.30|version 3
    virtual_router_id 53
    priority 100
    advert_int 0.1
    virtual_ipaddress {
      192.0.2.30/24
    }"
  "v3-ipv6|VRRPv3 IPv6 (source fe80::a, to ff02::12), vrid 54, priority 100, advert_int 1, VIPs 2001:db8::10 and 2001:db8::11|version 3
    virtual_router_id 54
    priority 100
    advert_int 1
    virtual_ipaddress {
      2001:db8::10/64
      2001:db8::11/64
    }"
  "v2-ipv4-unicast|VRRPv2 IPv4 unicast (unicast_src_ip 192.0.2.1, unicast_peer 192.0.2.2), vrid 55, priority 100, advert_int 1, VIP 192.0.2.50|version 2
    virtual_router_id 55
    priority 100
    advert_int 1
    unicast_src_ip 192.0.2.1
    unicast_peer {
      192.0.2.2
    }
    virtual_ipaddress {
      192.0.2.50/24
    }"
)

run_case() {
  local name=$1 body=$2 dir="$OUT/$1"
  mkdir -p "$dir"
  cat >"$dir/keepalived.conf" <<EOF
global_defs {
  router_id lvsd_vrrpcap
  vrrp_garp_master_repeat 1
  vrrp_garp_master_delay 0
  vrrp_garp_master_refresh 0
}
vrrp_instance VI_$name {
  state MASTER
  interface va
  $body
}
EOF
  ip netns exec "$NS_B" tcpdump -i vb -U -n -w "$dir/capture.pcap" 'arp or proto 112 or icmp6' \
    >"$dir/tcpdump.log" 2>&1 &
  TD_PID=$!
  sleep 1
  ip netns exec "$NS_A" keepalived -n -l -D -P -f "$dir/keepalived.conf" \
    -p "$dir/keepalived.pid" -r "$dir/vrrp.pid" >"$dir/keepalived.log" 2>&1 &
  KA_PID=$!
  sleep "$RUN_SECS"
  kill "$KA_PID" 2>/dev/null || true
  wait "$KA_PID" 2>/dev/null || true
  KA_PID=""
  sleep 0.5
  kill "$TD_PID" 2>/dev/null || true
  wait "$TD_PID" 2>/dev/null || true
  TD_PID=""
  # keepalived removes its VIPs on exit; make sure none is left for the next case.
  ip -n "$NS_A" addr flush dev va scope global
  ip -n "$NS_A" addr add 192.0.2.1/24 dev va
  ip -n "$NS_A" addr add 2001:db8::1/64 dev va nodad
}

manifest="$OUT/cases.tsv"
: >"$manifest"
for c in "${CASES[@]}"; do
  name=${c%%|*}
  rest=${c#*|}
  desc=${rest%%|*}
  body=${rest#*|}
  echo "capture-vrrp-fixtures: $name" >&2
  run_case "$name" "$body"
  printf '%s\t%s\n' "$name" "$desc" >>"$manifest"
done

# --- extraction: a small pcap reader prints the fixtures ----------------------------------------------------------
KA_VERSION="$KA_VERSION" node - "$OUT" <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const out = process.argv[2];
const ver = process.env.KA_VERSION;

function frames(file) {
  const b = fs.readFileSync(file);
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const u32 = (o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  if (u32(20) !== 1) throw new Error(`${file}: link type ${u32(20)}, expected Ethernet`);
  const res = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const incl = u32(o + 8);
    res.push(b.subarray(o + 16, o + 16 + incl));
    o += 16 + incl;
  }
  return res;
}
const ip4 = (x) => [...x].join('.');
function ip6(x) {
  const w = [];
  for (let i = 0; i < 16; i += 2) w.push(x.readUInt16BE(i));
  // RFC 5952: longest run (>1) of zero words becomes ::
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) { i++; continue; }
    let j = i; while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const h = (a) => a.map((v) => v.toString(16)).join(':');
  return best < 0 ? h(w) : `${h(w.slice(0, best))}::${h(w.slice(best + bestLen))}`;
}
const mac = (x) => [...x].map((v) => v.toString(16).padStart(2, '0')).join(':');
const hex = (x) => x.toString('hex');
const q = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function classify(f) {
  const et = f.readUInt16BE(12);
  if (et === 0x0806) return { kind: 'arp', frame: f };
  if (et === 0x0800) {
    const ihl = (f[14] & 0x0f) * 4;
    const total = f.readUInt16BE(16);
    if (f[23] !== 112) return undefined;
    return { kind: 'vrrp', ttl: f[22], src: ip4(f.subarray(26, 30)), dst: ip4(f.subarray(30, 34)),
      msg: f.subarray(14 + ihl, 14 + total), frame: f };
  }
  if (et === 0x86dd) {
    const plen = f.readUInt16BE(18);
    const nh = f[20];
    const src = ip6(f.subarray(22, 38)), dst = ip6(f.subarray(38, 54));
    const payload = f.subarray(54, 54 + plen);
    if (nh === 112) return { kind: 'vrrp', ttl: f[21], src, dst, msg: payload, frame: f };
    if (nh === 58 && payload[0] === 136) return { kind: 'na', ttl: f[21], src, dst, msg: payload, frame: f };
  }
  return undefined;
}

const adverts = [];
const l2 = [];
for (const line of fs.readFileSync(path.join(out, 'cases.tsv'), 'utf8').split('\n').filter(Boolean)) {
  const [name, desc] = line.split('\t');
  const pk = frames(path.join(out, name, 'capture.pcap')).map(classify).filter(Boolean);
  const vr = pk.filter((p) => p.kind === 'vrrp');
  const first = vr.find((p) => p.msg[2] !== 0);
  const stop = vr.find((p) => p.msg[2] === 0);
  const src = `keepalived ${ver} (Debian), captured by scripts/capture-vrrp-fixtures.sh: ${desc}`;
  const ttls = [...new Set(vr.map((p) => p.ttl))].join(',');
  if (first) adverts.push({ name: `keepalived-${name}`, description: `${src}; IP TTL/hop limit ${first.ttl}`, hex: hex(first.msg), srcAddr: first.src, dstAddr: first.dst });
  if (stop) adverts.push({ name: `keepalived-${name}-stop`, description: `${src}; the priority-0 advert sent on SIGTERM; IP TTL/hop limit ${stop.ttl}`, hex: hex(stop.msg), srcAddr: stop.src, dstAddr: stop.dst });
  process.stderr.write(`${name}: ${pk.length} packets, ${vr.length} VRRP (TTLs ${ttls}), ${pk.filter((p) => p.kind === 'arp').length} ARP, ${pk.filter((p) => p.kind === 'na').length} NA\n`);
  // Gratuitous: sender protocol address = target protocol address (not the kernel resolving the unicast peer).
  const arp = pk.find((p) => p.kind === 'arp' && p.frame.subarray(28, 32).equals(p.frame.subarray(38, 42)));
  if (arp) l2.push({ name: `keepalived-garp-${name}`, kind: 'garp', description: `${src}; gratuitous ARP on becoming MASTER, Ethernet frame as captured (${arp.frame.length} bytes)`, mac: mac(arp.frame.subarray(6, 12)), address: ip4(arp.frame.subarray(28, 32)), hex: hex(arp.frame) });
  const na = pk.find((p) => p.kind === 'na' && p.dst === 'ff02::1');
  if (na) l2.push({ name: `keepalived-na-${name}`, kind: 'na', description: `${src}; unsolicited NA on becoming MASTER, ICMPv6 message (${na.msg.length} bytes) from ${na.src} to ${na.dst}, hop limit ${na.ttl}; frame from ${mac(na.frame.subarray(6, 12))} to ${mac(na.frame.subarray(0, 6))}`, mac: mac(na.frame.subarray(6, 12)), address: ip6(na.msg.subarray(8, 24)), srcAddr: na.src, dstAddr: na.dst, hex: hex(na.msg) });
}
const obj = (o) => `  {\n${Object.entries(o).map(([k, v]) => `    ${k}: ${q(String(v))},`).join('\n')}\n  },`;
console.log('// --- keepalivedAdverts ---');
console.log(adverts.map(obj).join('\n'));
console.log('// --- keepalivedFrames ---');
console.log(l2.map(obj).join('\n'));
EOF
if [[ $KEEP_OUT == 1 ]]; then echo "capture-vrrp-fixtures: configs, logs and pcaps kept in $OUT" >&2; fi
