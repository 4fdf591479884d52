#!/usr/bin/env bash
# The oracle for cordon-split on a real Linux 6.1 driver: compiles the
# driver's files with clang under the same flags scripts/split_linux.sh
# gives the analyzer, and prints every symbol the objects leave undefined
# and none defines (what the driver really takes from the kernel), one per
# line, sorted. scripts/oracle_check.py compares them with the analysis.
#
#   scripts/oracle_linux.sh dummy|null_blk|ixgbe
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
driver=${1:?usage: oracle_linux.sh dummy|null_blk|ixgbe}
# the same files and flags as the analyzer gets (split_linux.sh prints them)
mapfile -t cmd < <(CORDON_SPLIT_PRINT=1 bash "$here/scripts/split_linux.sh" "$driver")
obj=$(mktemp -d)
trap 'rm -rf "$obj"' EXIT
files=() flags=() sep=0
for a in "${cmd[@]}"; do
  if [ "$a" = "--" ]; then sep=1; elif [ $sep = 0 ]; then files+=("$a"); else flags+=("$a"); fi
done
for f in "${files[@]}"; do
  clang "${flags[@]}" -Wno-everything -c "$f" -o "$obj/$(basename "$f" .c).o"
done
if [ "${ORACLE_ADDRESSES:-}" = 1 ]; then
  # the driver functions whose address the objects take
  python3 "$here/scripts/oracle_addresses.py" "$obj"/*.o
  exit
fi
# undefined in some object and defined in none (a call from one of the
# driver's files to another is the driver's own)
nm --defined-only "$obj"/*.o | awk 'NF == 3 { print $3 }' | sort -u >"$obj/defined"
nm -u "$obj"/*.o | awk 'NF == 2 { print $2 }' | sort -u | comm -23 - "$obj/defined"
