#!/usr/bin/env bash
# bootstrap.sh: installs what lvsd's lab, tests and benchmarks need on a Debian machine, as root.
# Idempotent and quick when everything is present: apt packages (only the missing ones), then
# `npm ci` (which also builds dist/) when node_modules is missing or older than the lockfile.
# The kernel for the kernel lab is fetched and cached by scripts/kernel-lab.sh itself.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "bootstrap: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (apt packages, network namespaces, the kernel lab)"
command -v node >/dev/null || die "Node.js >= 20.18 is required (not found on PATH)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=18)?0:1)' ||
  die "Node.js >= 20.18 is required (found $(node --version))"

# Debian packages: command they provide (or a file) -> package.
declare -A wanted=(
  [ip]=iproute2
  [qemu-system-x86_64]=qemu-system-x86
  [/bin/busybox]=busybox-static
  [ipvsadm]=ipvsadm
  [keepalived]=keepalived
  [tcpdump]=tcpdump
  [nft]=nftables
  [modprobe]=kmod
  [cpio]=cpio
  [ping]=iputils-ping
  [cc]=gcc
  [/usr/include/stdio.h]=libc6-dev
  [openssl]=openssl
  [socat]=socat
  [sysctl]=procps
)
missing=()
for need in "${!wanted[@]}"; do
  if [[ $need == /* ]]; then [ -e "$need" ] || missing+=("${wanted[$need]}")
  else command -v "$need" >/dev/null || missing+=("${wanted[$need]}"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ ! -f dist/src/cli/lvsd.js ]; then
  echo "bootstrap: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
