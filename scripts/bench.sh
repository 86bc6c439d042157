#!/usr/bin/env bash
# bench.sh: the benchmarks, one per name (`npm run bench -- NAME [ARGS...]`). Each NAME is a
# script scripts/bench/NAME.sh, run with the remaining arguments from the project root.
set -euo pipefail
cd "$(dirname "$0")/.."

available() {
  local f names=()
  for f in scripts/bench/*.sh; do
    [ -e "$f" ] || continue
    f=${f##*/}
    names+=("${f%.sh}")
  done
  echo "${names[*]:-none}"
}

if [ $# -eq 0 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
  echo "usage: npm run bench -- NAME [ARGS...]   (benchmarks: $(available))" >&2
  [ $# -eq 0 ] && exit 2 || exit 0
fi
name=$1
shift
if ! [[ $name =~ ^[a-z0-9][a-z0-9-]*$ ]] || [ ! -f "scripts/bench/$name.sh" ]; then
  echo "bench: unknown benchmark '$name' (available: $(available))" >&2
  exit 2
fi
exec bash "scripts/bench/$name.sh" "$@"
