#!/usr/bin/env bash
# kernel-lab.sh: boot Debian's stock kernel (which has IPVS) under qemu and run one command inside.
#
# This machine's kernel has no IPVS, so the lab boots the kernel of Debian's `linux-image-amd64`
# under qemu-system-x86_64 (TCG: nested KVM hangs at boot here) with this machine's root `/` shared
# read-only over 9p under a tmpfs overlay: node, npm packages, ipvsadm, keepalived, ip and bash all
# run inside, as root, in the caller's working directory. The guest powers off when the command ends.
#
# Usage:
#   kernel-lab.sh run [OPTIONS] -- CMD [ARGS...]   boot, run CMD, exit with CMD's exit status
#   kernel-lab.sh shell [OPTIONS]                  boot into an interactive bash (Ctrl-A X quits qemu)
#   kernel-lab.sh fetch                            download/extract/cache the kernel and initramfs only
# Options (run, shell):
#   --timeout SECS   power off and fail after SECS (default 1200)                     [run]
#   --out DIR        host directory the guest may write to; $LVSD_KERNEL_LAB_OUT names it inside
#                    (default: a temporary directory, removed afterwards)
#   --env NAME=VAL   set a variable for CMD (repeatable); CMD otherwise gets a clean environment:
#                    PATH, HOME=/root, LANG=C, TERM, LVSD_KERNEL_LAB=1, LVSD_KERNEL_LAB_OUT
#   --mem MB         guest memory (default 2048)      --smp N   guest CPUs (default 2)
#   -v, --verbose    copy the guest's console (kernel and init messages) to stderr
#
# CMD's stdout and stderr (merged, through a pipe, so CMD does not see a terminal) stream to this
# script's stdout; the kernel console goes to a log file, printed on stderr only when the boot fails.
# Exit status: CMD's; 124 on timeout; 125 when the lab itself fails ("kernel lab: ...: reason" on stderr).
# One line of timing goes to stderr at the end ("kernel lab: exit 0, boot 9.8 s, command 3.1 s").
#
# Environment: LVSD_CACHE (default /var/cache/lvsd): the kernel is cached in
# $LVSD_CACHE/kernel/<version>/ (the extracted package, depmod data, vmlinux and the initramfs), so
# only the first run per kernel version downloads. LVSD_KERNEL_LAB_KVER pins a kernel version
# (e.g. 6.1.0-56-amd64). Debugging: LVSD_KERNEL_LAB_KEEP=1 keeps the run's control directory,
# LVSD_KERNEL_LAB_APPEND adds kernel arguments, LVSD_KERNEL_LAB_CPU sets qemu's -cpu (default max),
# LVSD_KERNEL_LAB_MEM / _SMP the defaults of --mem / --smp.
# Caveat: the 9p root is cached loosely, so host files changed during a run may look stale
# inside it. The host's /tmp is visible in the guest (through the overlay), so a clone there works.
# Needs root (apt, 9p export of /). Installs missing Debian packages itself.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
guest_dir=$here/kernel-lab                 # init (initramfs /init) and stage2 (PID 1 in the real root)
cache_root=${LVSD_CACHE:-/var/cache/lvsd}/kernel
timeout_s=1200
mem=${LVSD_KERNEL_LAB_MEM:-2048}
smp=${LVSD_KERNEL_LAB_SMP:-2}
verbose=0
out_dir=
envs=()

die() { echo "kernel lab: $*" >&2; exit 125; }
note() { echo "kernel lab: $*" >&2; }

# ---------------------------------------------------------------------------------------------
# Host packages

# Installs the Debian packages the lab needs when one is missing (fresh machine, as root).
ensure_host_packages() {
  local -A wanted=(
    [qemu-system-x86_64]=qemu-system-x86
    [modprobe]=kmod              # depmod for the cache; the guest's modprobe is the host's /sbin/modprobe
    [ip]=iproute2
    [ipvsadm]=ipvsadm
    [apt-get]=apt
  )
  local need missing=()
  for need in "${!wanted[@]}"; do
    command -v "$need" >/dev/null 2>&1 || missing+=("${wanted[$need]}")
  done
  # The initramfs needs a *static* busybox: the `busybox` package also ships /bin/busybox, dynamically linked.
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' || missing+=(busybox-static)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}) and not root to install them"
  note "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
}

# ---------------------------------------------------------------------------------------------
# Kernel cache

# Prints the concrete kernel package the linux-image-amd64 metapackage depends on
# (bookworm: linux-image-6.1.0-NN-amd64), or nothing.
# The answer is remembered in $cache_root/.resolved until apt's lists change (apt-cache takes ~1 s).
kernel_package() {
  local memo=$cache_root/.resolved pkg
  if [ -s "$memo" ] && [ "$memo" -nt /var/lib/apt/lists ]; then cat "$memo"; return; fi
  pkg=$(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
    sed -n 's/^Depends:.*\(linux-image-[0-9][^ ,]*-amd64\).*/\1/p' | head -n1)
  [ -z "$pkg" ] || echo "$pkg" >"$memo"
  echo "$pkg"
}

# Newest kernel version already complete in the cache, or nothing.
newest_cached() {
  local d
  for d in "$cache_root"/*/.complete; do [ -e "$d" ] && basename "$(dirname "$d")"; done | sort -V | tail -n1
}

# Sets $kver, $kdir and $initrd: the kernel to boot, downloading and extracting it when not cached,
# and its initramfs. The package is extracted (dpkg-deb -x), never installed: no initramfs/grub
# hooks touch the host.
ensure_kernel() {
  mkdir -p "$cache_root"
  exec 9>"$cache_root/.lock"
  flock 9                                   # concurrent runs: one downloads, the others wait
  if [ -n "${LVSD_KERNEL_LAB_KVER:-}" ]; then
    kver=$LVSD_KERNEL_LAB_KVER
  else
    local pkg
    pkg=$(kernel_package)
    if [ -z "$pkg" ] && [ -z "$(newest_cached)" ]; then
      apt-get update -q >/dev/null 2>&1 || true   # fresh machine: no package lists yet
      pkg=$(kernel_package)
    fi
    if [ -n "$pkg" ]; then
      kver=${pkg#linux-image-}
    else
      kver=$(newest_cached)                       # apt knows no kernel (offline?): use the cache
      [ -n "$kver" ] || die "no kernel: apt-cache knows no linux-image-amd64 and nothing is cached in $cache_root"
    fi
  fi
  kdir=$cache_root/$kver
  [ -e "$kdir/.complete" ] || fetch_kernel "linux-image-$kver"
  if [ ! -f "$kdir/boot/vmlinux-$kver" ] && [ ! -e "$kdir/.no-vmlinux" ]; then
    extract_vmlinux "$kdir/boot/vmlinuz-$kver" "$kdir/boot/vmlinux-$kver" || {
      touch "$kdir/.no-vmlinux"
      note "could not unpack vmlinux from vmlinuz: booting the compressed image (~2.5 s slower)"
    }
  fi
  ensure_initramfs
  exec 9>&-
}

fetch_kernel() {
  local pkg=$1 tmp
  note "fetching $pkg into $kdir"
  tmp=$(mktemp -d "$cache_root/.fetch.XXXXXX")
  # APT::Sandbox::User=root: the _apt user could not write into this root-owned directory.
  (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null) ||
    { rm -rf "$tmp"; die "boot failed: apt-get download $pkg failed"; }
  dpkg-deb -x "$tmp"/*.deb "$tmp/root" || { rm -rf "$tmp"; die "boot failed: dpkg-deb -x failed"; }
  rm -f "$tmp"/*.deb
  [ -f "$tmp/root/boot/vmlinuz-$kver" ] && [ -d "$tmp/root/lib/modules/$kver" ] ||
    { rm -rf "$tmp"; die "boot failed: $pkg has no boot/vmlinuz-$kver or lib/modules/$kver"; }
  # Debian generates modules.dep in the package's postinst, which we do not run.
  depmod -b "$tmp/root" "$kver" || { rm -rf "$tmp"; die "boot failed: depmod failed"; }
  rm -rf "$kdir"
  mv "$tmp/root" "$kdir"
  rmdir "$tmp"
  touch "$kdir/.complete"
}

# extract_vmlinux BZIMAGE OUT: unpacks the ELF vmlinux inside a bzImage. qemu boots an ELF kernel
# that has a PVH entry note (Debian's: CONFIG_PVH=y) directly, which saves the kernel's own
# decompression (~2.5 s under TCG). Like the kernel's scripts/extract-vmlinux: find the compressed
# payload by its magic, decompress, keep the first result that is an ELF file.
extract_vmlinux() {
  local in=$1 out=$2 magic tool off
  for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
    tool=${magic%%:*}
    command -v "$tool" >/dev/null || continue
    for off in $(LC_ALL=C grep -obUaP "${magic#*:}" "$in" 2>/dev/null | cut -d: -f1 | head -n 5); do
      case $tool in
        xz) tail -c +$((off + 1)) "$in" | xz -dc --single-stream >"$out" 2>/dev/null ;;
        zstd) tail -c +$((off + 1)) "$in" | zstd -dcq >"$out" 2>/dev/null ;;
        gzip) tail -c +$((off + 1)) "$in" | gzip -dc >"$out" 2>/dev/null ;;
      esac
      [ "$(head -c 4 "$out" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ] && return 0
    done
  done
  rm -f "$out"
  return 1
}

# Sets $initrd: a tiny initramfs (static busybox, the modules needed to mount the 9p root and the
# overlay, our init and stage2), cached per kernel and per content of the guest scripts.
ensure_initramfs() {
  local key stage mods m f
  key=$( { cat "$guest_dir/init" "$guest_dir/stage2"; sha256sum /bin/busybox; } | sha256sum | cut -c1-16)
  initrd=$kdir/initramfs-$key.cpio.gz
  [ -s "$initrd" ] && return 0
  # Modules in dependency order (modprobe --show-depends prints "insmod PATH" lines; built-ins print
  # "builtin NAME" and are skipped).
  mods=$(for m in virtio_pci 9pnet_virtio 9p overlay; do
    modprobe -d "$kdir" -S "$kver" --show-depends "$m" || exit 1
  done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }') ||
    die "boot failed: kernel $kver lacks the modules for virtio-pci, 9p or overlay"
  stage=$(mktemp -d)
  mkdir -p "$stage"/{bin,dev,proc,sys,modules,newroot}
  cp /bin/busybox "$stage/bin/busybox"
  ln -s busybox "$stage/bin/sh"
  cp "$guest_dir/init" "$stage/init"
  cp "$guest_dir/stage2" "$stage/stage2"
  chmod 755 "$stage/init" "$stage/stage2"
  mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true   # the kernel opens it before /init runs
  # Compressed modules are unpacked here: busybox insmod wants plain .ko files.
  : >"$stage/modules/order"
  for f in $mods; do
    m=$(basename "$f"); m=${m%%.ko*}.ko
    case "$f" in
      *.ko.xz) xz -dc "$f" >"$stage/modules/$m" ;;
      *.ko.zst) zstd -qdc "$f" >"$stage/modules/$m" ;;
      *.ko.gz) gzip -dc "$f" >"$stage/modules/$m" ;;
      *) cp "$f" "$stage/modules/$m" ;;
    esac
    echo "$m" >>"$stage/modules/order"
  done
  (cd "$stage" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$stage.cpio.gz") ||
    { rm -rf "$stage" "$stage.cpio.gz"; die "boot failed: could not build the initramfs"; }
  mv "$stage.cpio.gz" "$initrd"
  rm -rf "$stage"
  # Older initramfs images of this kernel (other script versions) are dead weight.
  for f in "$kdir"/initramfs-*.cpio.gz; do [ "$f" = "$initrd" ] || rm -f "$f"; done
}

# ---------------------------------------------------------------------------------------------
# Boot

# qemu_args MODE: sets $args, qemu's command line for MODE (run|shell), once $ctl is prepared.
qemu_args() {
  local mode=$1 kernel=$kdir/boot/vmlinux-$kver
  [ -f "$kernel" ] || kernel=$kdir/boot/vmlinuz-$kver
  args=(
    -accel tcg,thread=multi -M pc -cpu "${LVSD_KERNEL_LAB_CPU:-max}" -smp "$smp" -m "$mem"
    -nodefaults -no-user-config -display none -no-reboot
    -kernel "$kernel" -initrd "$initrd"
    # panic=-1 + -no-reboot: a failing /init panics the kernel and qemu exits at once.
    -append "console=ttyS0 quiet panic=-1 lab.mode=$mode ${LVSD_KERNEL_LAB_APPEND:-}"
    # / read-only. multidevs=remap: / spans several host filesystems (/, /proc, /sys, ...) whose inode
    # numbers collide; without remapping, the guest's overlay mixes them up (e.g. /proc looks like /sys).
    -fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap"
    -device "virtio-9p-pci,fsdev=root,mount_tag=lab-root"
    # Control share (command, status, markers) and the results share, both writable.
    -fsdev "local,id=ctl,path=$ctl,security_model=none,multidevs=remap"
    -device "virtio-9p-pci,fsdev=ctl,mount_tag=lab-ctl"
    -fsdev "local,id=out,path=$out_dir,security_model=none,multidevs=remap"
    -device "virtio-9p-pci,fsdev=out,mount_tag=lab-out"
  )
  if [ "$mode" = shell ]; then
    args+=(-serial mon:stdio)                                     # ttyS0: console and the shell
  else
    # ttyS0 (kernel console, init messages) to a log; ttyS1 carries CMD's output into a FIFO pair
    # (qemu writes cmdout.out, reads the never-written cmdout.in) that we copy to stdout.
    args+=(-serial "file:$ctl/console.log" -chardev "pipe,id=cmdout,path=$ctl/cmdout" -serial chardev:cmdout)
  fi
}

# Writes $ctl/config (sourced by the guest's init and stage2) and $ctl/cmd (bash, run by stage2).
write_control() {
  local mode=$1; shift
  {
    echo "LAB_MODULES=$(printf %q "$kdir/lib/modules")"
    echo "LAB_MODE=$mode"
  } >"$ctl/config"
  {
    echo "# generated by kernel-lab.sh"
    printf 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C\n'
    printf 'export USER=root LOGNAME=root SHELL=/bin/bash TERM=%q\n' "$([ "$mode" = shell ] && echo "${TERM:-vt100}" || echo dumb)"
    printf 'export LVSD_KERNEL_LAB=1 LVSD_KERNEL_LAB_OUT=/run/kernel-lab/out NPM_CONFIG_UPDATE_NOTIFIER=false\n'
    local e
    for e in ${envs[@]+"${envs[@]}"}; do printf 'export %q\n' "$e"; done
    printf 'cd -- %q || { echo "kernel lab: cannot enter %q in the guest" >&2; exit 125; }\n' "$PWD" "$PWD"
    if [ "$mode" = shell ]; then
      echo 'echo "kernel lab: $(uname -r), IPVS $(cat /proc/net/ip_vs 2>/dev/null | head -n1). Exit the shell to power off."'
      echo 'exec bash -i'
    else
      printf 'exec'; printf ' %q' "$@"; echo
    fi
  } >"$ctl/cmd"
}

# Per-run control directory $ctl (shared with the guest, writable) and the results directory $out_dir
# (--out, or $ctl/out). $ctl is removed at exit unless LVSD_KERNEL_LAB_KEEP=1 (for debugging).
qpid= cpid= tpid= ctl=
make_ctl() {
  ctl=$(mktemp -d /tmp/kernel-lab.XXXXXX)
  [ -n "$out_dir" ] || out_dir=$ctl/out
  mkdir -p "$out_dir" || die "cannot create --out $out_dir"
  out_dir=$(cd "$out_dir" && pwd)
}
cleanup_run() {
  local p
  for p in $qpid $cpid $tpid; do kill "$p" 2>/dev/null || true; done
  if [ "${LVSD_KERNEL_LAB_KEEP:-0}" = 1 ]; then note "kept $ctl"; else rm -rf "$ctl"; fi
}

# Seconds (one decimal) between two `date +%s.%N` stamps.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
mtime() { date -r "$1" +%s.%N; }

cmd_run() {
  [ $# -gt 0 ] || die "usage: kernel-lab.sh run [--timeout SECS] [--out DIR] -- CMD [ARGS...]"
  ensure_host_packages
  ensure_kernel
  make_ctl
  trap 'cleanup_run' EXIT
  trap 'exit 130' INT                      # Ctrl-C, kill: cleanup_run (EXIT) stops qemu and the copier
  trap 'exit 143' TERM
  write_control run "$@"
  mkfifo "$ctl/cmdout.in" "$ctl/cmdout.out"

  # The copier must be reading before qemu opens the FIFO (qemu opens it read-write, never blocking).
  cat <"$ctl/cmdout.out" &
  cpid=$!
  if [ "$verbose" = 1 ]; then
    : >"$ctl/console.log"
    tail -n +1 -F "$ctl/console.log" >&2 2>/dev/null &
    tpid=$!
  fi
  qemu_args run
  local t0 t_end qstatus=0
  t0=$(date +%s.%N)
  # timeout(1) is the watchdog: status 124 when it fired (qemu itself never exits with 124).
  timeout -k 10 "$timeout_s" qemu-system-x86_64 "${args[@]}" </dev/null >"$ctl/qemu.log" 2>&1 &
  qpid=$!
  wait "$qpid" || qstatus=$?
  qpid=
  t_end=$(date +%s.%N)
  # If qemu never opened the FIFO the copier still blocks in open(): a read-write open unblocks it,
  # and closing again gives it EOF (after it drained whatever qemu wrote).
  exec 8<>"$ctl/cmdout.out"; exec 8>&-
  wait "$cpid" 2>/dev/null || true
  cpid=
  if [ -n "$tpid" ]; then sleep 0.3; kill "$tpid" 2>/dev/null || true; tpid=; fi

  if [ "$qstatus" = 124 ]; then
    if [ -e "$ctl/started" ]; then note "timeout: the command did not end within ${timeout_s} s"
    else note "boot failed: timeout, the command did not start within ${timeout_s} s"; fi
    tail -n 20 "$ctl/console.log" >&2 2>/dev/null || true
    exit 124
  fi
  if [ ! -e "$ctl/status" ]; then
    local why="qemu exited ($qstatus) before the command started"
    [ -e "$ctl/started" ] && why="the guest stopped ($qstatus) while the command ran"
    # The most telling line: our init's own failure, else a kernel panic.
    local line
    line=$(grep -m1 -h -E 'kernel-lab init: |Kernel panic' "$ctl/console.log" 2>/dev/null | sed 's/^\[[^]]*\] *//') || true
    [ -z "$line" ] || why="$why: $line"
    [ -s "$ctl/boot-error" ] && why=$(cat "$ctl/boot-error")
    [ -e "$ctl/started" ] && note "failed: $why" || note "boot failed: $why"
    { echo "--- qemu:"; tail -n 20 "$ctl/qemu.log"; echo "--- console (tail):"; tail -n 40 "$ctl/console.log"; } >&2 2>/dev/null || true
    exit 125
  fi
  local status boot run
  status=$(cat "$ctl/status")
  boot=$(secs "$t0" "$(mtime "$ctl/started")")
  run=$(secs "$(mtime "$ctl/started")" "$(mtime "$ctl/status")")
  note "exit $status, boot $boot s, command $run s, total $(secs "$t0" "$t_end") s"
  exit "$status"
}

cmd_shell() {
  ensure_host_packages
  ensure_kernel
  make_ctl
  trap 'cleanup_run' EXIT
  write_control shell
  qemu_args shell
  note "booting (Ctrl-A X quits qemu)"
  qemu-system-x86_64 "${args[@]}" || true
}

cmd_fetch() {
  ensure_host_packages
  ensure_kernel
  echo "kernel lab: kernel $kver cached in $kdir ($(basename "$initrd"))"
}

# ---------------------------------------------------------------------------------------------

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

sub=${1:-}
[ $# -gt 0 ] && shift
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--timeout takes a number of seconds"; timeout_s=$2; shift 2 ;;
    --out) [ -n "${2:-}" ] || die "--out takes a directory"; out_dir=$2; shift 2 ;;
    --env) [[ ${2:-} == [A-Za-z_]*=* ]] || die "--env takes NAME=VALUE"; envs+=("$2"); shift 2 ;;
    --mem) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--mem takes megabytes"; mem=$2; shift 2 ;;
    --smp) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--smp takes a number of CPUs"; smp=$2; shift 2 ;;
    -v|--verbose) verbose=1; shift ;;
    --) shift; break ;;
    -h|--help) usage; exit 0 ;;
    *) [ "$sub" = run ] && break; die "unknown option '$1' (see --help)" ;;
  esac
done

case "$sub" in
  run) cmd_run "$@" ;;
  shell) cmd_shell ;;
  fetch) cmd_fetch ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
