#!/usr/bin/env bash
# director benchmark (`npm run bench -- director`): lvsd run (the director: IPVS programmed from the config's
# virtual servers, kept equal to their health checks) against keepalived -C (checkers only, keepalived's LVS side),
# in the kernel lab, on the same kernel in the same boot, with the same services: by default 1,000 virtual services
# x 10 real servers (10,000 tcp checks, connect_timeout 3, retry 1, delay_before_retry 1, first checks spread over
# one delay loop, rr, NAT), generated from one description as lvsd YAML and the equivalent keepalived.conf
# (scripts/bench/director/configs.mjs). The real servers are one namespace holding all of 198.18.0.0/15, reached
# through a veth, where one small C acceptor (director/acceptor.c, built here with cc) accepts every connection.
#
# The checks run every 30 s (--delay-loop), not 5: under TCG a tcp check costs the guest about 1 ms of emulated CPU
# (the kernel's handshake on both ends included), so 10,000 checks every 5 s (2,000 a second) need more than the
# guest's 2 vCPUs: both checkers fall behind (keepalived did 1,340-1,820 of the 2,000 a second, lvsd 800-1,220)
# and every other figure becomes one of overload. At 30 s (333 a second) both keep up. The memory figure is taken
# at 5 s all the same, in a memory run of each daemon after the rounds (--rss-delay-loop; start and a 60 s
# window only), with the checks done per second beside it.
#
# Figures per daemon (scripts/bench/director/guest.mjs documents how each is taken):
#   start   process start until the kernel holds the whole table;
#   storm   30 % of the real servers (3 of every service's 10) start refusing at once (an nftables set in the
#           servers' namespace: `reject with tcp reset`, or `drop` with --storm drop): from the injection until the
#           kernel reflects all of them, and per real server from its verdict to its kernel change (p99), from
#           nlmon and veth captures;
#   reload  SIGHUP with the unchanged file: until the daemon reports it done, and the table changes it sent
#           (counted on nlmon, so keepalived's too);
#   steady  CPU, checks done, no false verdicts; rss: VmRSS (max after start) and VmHWM.
# Rounds alternate the order (keepalived first, then lvsd first). The report (director/report.mjs) gives every
# figure per daemon and round; the last line is
#   director start ratio S, storm ratio T, reload ratio R, reload ops O, rss M MB
# (ratios lvsd/keepalived of the rounds' means; O: lvsd's reload ops; M: lvsd's peak RSS in the memory run).
# Targets: S, T, R <= 0.5, O = 0, M < 150.
#
# Usage: bash scripts/bench.sh director [--services N] [--servers-per-service N] [--fail N] [--rounds N]
#          [--delay-loop S] [--rss-delay-loop S|0] [--storm reset|drop] [--order keepalived,lvsd] [--json-start]
#          [--profile] [--lvsd-root DIR] [--lvsd-b-root DIR] [--mem MB] [--timeout S] [--build] [--keep]
# --json-start: one more lvsd start per round from the same config written as JSON (lvsd's loader reads JSON
# text through JSON.parse). --profile: a CPU profile of lvsd per phase (director/prof-hook.mjs; with --keep they
# stay in the work directory's vm/prof). --lvsd-root: the lvsd package to measure (a directory with dist/,
# build/Release, package.json; default this checkout). lvsd is copied before the boot, so a rebuild of dist/
# during the run does not change what is measured; --build runs `npm run build` first. --lvsd-b-root: a second
# build, daemon lvsd-b in --order (e.g. --order lvsd,lvsd-b): two builds of lvsd compared in one boot.
# Duration, on this 2-core machine under TCG: the full run (1,000 x 10, 2 rounds, --json-start) took 21 minutes;
# a quick one, --services 100 --rounds 1 --delay-loop 5 --rss-delay-loop 0, about 3.
# Needs root (the kernel lab), keepalived, tcpdump, nft, cc (scripts/bootstrap.sh installs them).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

services=1000 per=10 fail= rounds=2 delay_loop=30 rss_delay_loop=5 storm=reset order=keepalived,lvsd
mem=3072 timeout_s=3600 build=0 keep=0 profile=0 json_start=0 lvsd_root=$root lvsd_b_root=
while [ $# -gt 0 ]; do
  case $1 in
    --services) services=$2; shift ;;
    --servers-per-service) per=$2; shift ;;
    --fail) fail=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --delay-loop) delay_loop=$2; shift ;;
    --rss-delay-loop) rss_delay_loop=$2; shift ;;
    --storm) storm=$2; shift ;;
    --order) order=$2; shift ;;
    --mem) mem=$2; shift ;;
    --lvsd-root) lvsd_root=$(cd "$2" && pwd); shift ;;
    --lvsd-b-root) lvsd_b_root=$(cd "$2" && pwd); shift ;;
    --timeout) timeout_s=$2; shift ;;
    --json-start) json_start=1 ;;
    --profile) profile=1 ;;
    --build) build=1 ;;
    --keep) keep=1 ;;
    *) echo "director: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
case $storm in reset | drop) ;; *) echo "director: --storm reset or drop" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "director: needs root (the kernel lab)" >&2; exit 2; }
command -v keepalived >/dev/null || { echo "director: keepalived is not installed (scripts/bootstrap.sh)" >&2; exit 2; }
log() { echo "director: $*" >&2; }

[ "$build" = 0 ] || npm run build >&2
[ -x "$lvsd_root/dist/src/cli/lvsd.js" ] || { echo "director: $lvsd_root/dist/src/cli/lvsd.js missing; run npm run build" >&2; exit 2; }

work=$(mktemp -d /tmp/lvsd-bench-director.XXXXXX)
cleanup() {
  if [ "$keep" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# lvsd as built now, copied: others may rebuild dist/ while the guest runs (the copy finds its native addons
# beside its package.json and binding.gyp, and the packages through a link to node_modules).
copy_lvsd() { # FROM TO
  mkdir -p "$2/build"
  cp -a "$1/dist" "$1/package.json" "$1/binding.gyp" "$2/"
  cp -a "$1/build/Release" "$2/build/"
  ln -s "$root/node_modules" "$2/node_modules"
}
copy_lvsd "$lvsd_root" "$work/lvsd"
built=$(date -r "$lvsd_root/dist/src/cli/lvsd.js" '+%F %T')

cc -O2 -Wall -o "$work/acceptor" scripts/bench/director/acceptor.c
config_args=(--out "$work" --services "$services" --servers-per-service "$per" --delay-loop "$delay_loop")
[ -z "$fail" ] || config_args+=(--fail "$fail")
[ "$rss_delay_loop" = 0 ] || config_args+=(--rss-delay-loop "$rss_delay_loop")
node scripts/bench/director/configs.mjs "${config_args[@]}"
guest_args=(--work "$work" --lvsd "$work/lvsd/dist/src/cli/lvsd.js" --rounds "$rounds" --storm "$storm" --order "$order")
[ "$profile" = 0 ] || guest_args+=(--profile)
[ "$json_start" = 0 ] || guest_args+=(--json-start)
if [ -n "$lvsd_b_root" ]; then
  copy_lvsd "$lvsd_b_root" "$work/lvsd-b"
  guest_args+=(--lvsd-b "$work/lvsd-b/dist/src/cli/lvsd.js")
  log "lvsd-b from $lvsd_b_root (dist built $(date -r "$lvsd_b_root/dist/src/cli/lvsd.js" '+%F %T'))"
fi

# Other kernel labs on this machine compete for its 2 cores: say so next to the figures.
others() { pgrep -c -f '^qemu-system' 2>/dev/null || true; }
log "host: $(cut -d' ' -f1-3 /proc/loadavg) load, $(others) qemu running before the boot; git $(git rev-parse --short HEAD), lvsd from $lvsd_root (dist built $built)"
mkdir -p "$work/vm"
: > "$work/vm/results.jsonl"
status=0
bash scripts/kernel-lab.sh run --timeout "$timeout_s" --mem "$mem" --out "$work/vm" \
  -- bash scripts/bench/director/guest.sh "${guest_args[@]}" || status=$?
log "host: $(cut -d' ' -f1-3 /proc/loadavg) load, $(others) qemu running after the run"
[ "$status" = 0 ] || log "the kernel lab run failed (exit $status); reporting what it measured"
node scripts/bench/director/report.mjs "$work/vm/results.jsonl"
exit "$status"
