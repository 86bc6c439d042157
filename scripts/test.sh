#!/usr/bin/env bash
# test.sh: the whole test suite. Installs what it needs (scripts/bootstrap.sh), then runs
#   unit    pure tests, no root
#   netns   as root, in network namespaces on this machine
#   kernel       inside the kernel lab (a Debian kernel with IPVS under qemu), all in one boot
#   conformance  lvsadm against the real ipvsadm, sequence by sequence, in a second boot (about
#                8 minutes on a quiet machine, 23 with the machine loaded by other VMs)
# and prints one summary line per suite with its counts.
# Usage: test.sh [unit] [netns] [kernel] [conformance]   (default: all four)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bash scripts/bootstrap.sh || { echo "test: bootstrap failed" >&2; exit 1; }

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit netns kernel conformance)
out=$(mktemp -d /tmp/lvsd-test.XXXXXX)
trap 'rm -rf "$out"' EXIT

static_ok=0
echo "=== typecheck and lint"
node_modules/.bin/tsc -p tsconfig.json --noEmit && node_modules/.bin/biome lint . || static_ok=1

for suite in "${suites[@]}"; do
  start=$(date +%s)
  echo "=== suite $suite"
  case "$suite" in
    unit|netns)
      node_modules/.bin/vitest run --project "$suite" --reporter=default --reporter=json --outputFile.json="$out/$suite.json"
      ;;
    kernel|conformance)
      # The guest sees this machine's root read-only; its reports come back through the lab's
      # writable share ($LVSD_KERNEL_LAB_OUT inside, $out here).
      bash scripts/kernel-lab.sh run --timeout 2700 --out "$out" -- \
        bash -c 'cd "$1" && node_modules/.bin/vitest run --project "$2" --reporter=default --reporter=json --outputFile.json="$LVSD_KERNEL_LAB_OUT/$2.json"' _ "$root" "$suite" \
        || [ -f "$out/$suite.json" ] || echo "kernel lab did not complete (see the output above)" >"$out/$suite.reason"
      ;;
    *) echo "test: unknown suite '$suite' (unit, netns, kernel, conformance)" >&2; exit 2 ;;
  esac
  echo "=== suite $suite took $(( $(date +%s) - start )) s"
done

[ $static_ok = 0 ] || echo "typecheck or lint failed (see above)"
summary=0
node scripts/summarize-tests.mjs "$out" "${suites[@]}" || summary=1
exit $((summary | static_ok))
