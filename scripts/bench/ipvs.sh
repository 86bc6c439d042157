#!/usr/bin/env bash
# ipvs.sh: `npm run bench -- ipvs [--services N] [--dests N] [--rounds N]`
#
# lvsadm against ipvsadm 1.31 on a real kernel (the kernel lab: scripts/kernel-lab.sh), in one
# boot: restore 1,000 services x 10 real servers with `-R` into a fresh network namespace with
# each tool (3 rounds, order alternating), then list the loaded table both ways (-L -n, -S -n).
# Timings include process start; medians are printed with the ratios, and the last line is
#   ipvs restore ratio R, list ratio L (lvsadm/ipvsadm, lower is better)
# where L is the worse of the two listings. Targets: R <= 0.5, L <= 1.0. The measurements
# themselves are scripts/bench/ipvs-guest.mjs. lvsadm is dist/src/cli/lvsadm.cjs, rebuilt from
# the sources first (scripts/bundle-cli.mjs, the last step of `npm run build`).
set -euo pipefail
cd "$(dirname "$0")/../.."

lvsadm=dist/src/cli/lvsadm.cjs
# The bundle step of `npm run build` alone (esbuild, from the TypeScript sources; about a second).
node scripts/bundle-cli.mjs lvsadm
# The guest cannot write to the project: results stream back on stdout.
exec bash scripts/kernel-lab.sh run -- node scripts/bench/ipvs-guest.mjs --lvsadm "$PWD/$lvsadm" "$@"
