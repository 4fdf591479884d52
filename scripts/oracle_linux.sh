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
# ORACLE_OBJ=DIR keeps the objects there (oracle_check.py reads them again)
if [ -n "${ORACLE_OBJ:-}" ]; then
  obj=$ORACLE_OBJ; mkdir -p "$obj"
else
  obj=$(mktemp -d)
  trap 'rm -rf "$obj"' EXIT
fi
files=() flags=() sep=0
for a in "${cmd[@]}"; do
  if [ "$a" = "--" ]; then sep=1; elif [ $sep = 0 ]; then files+=("$a"); else flags+=("$a"); fi
done
# in parallel (ixgbe has 21 files)
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -I{} sh -c \
  'clang "$@" -Wno-everything -c "$0" -o "'"$obj"'/$(basename "$0" .c).o"' {} "${flags[@]}"
if [ "${ORACLE_ADDRESSES:-}" = 1 ]; then
  # the driver functions whose address the objects take
  python3 "$here/scripts/oracle_addresses.py" "$obj"/*.o
  exit
fi
# undefined in some object and defined in none (a call from one of the
# driver's files to another is the driver's own)
nm --defined-only "$obj"/*.o | awk 'NF == 3 { print $3 }' | sort -u >"$obj/defined"
nm -u "$obj"/*.o | awk 'NF == 2 { print $2 }' | sort -u | comm -23 - "$obj/defined"
