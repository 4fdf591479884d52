#!/usr/bin/env bash
# The oracle on every Linux driver the test suite analyses, as a Markdown
# table (docs/analyzer.md): the analysis's counts, the object files' counts,
# and the differences.
#
#   scripts/oracle_table.sh [DRIVER...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
drivers=("$@")
if [ ${#drivers[@]} = 0 ]; then
  mapfile -t drivers < <(sed -n '/^static const char \*const linux_drivers/,/NULL};/p' tests/test_split.c |
                         grep -o '"[^"]*"' | tr -d '"')
fi
echo "| driver | drv → kernel | kernel → drv | undefined in the objects | unexplained | listed, not used | addresses taken | callbacks not in the objects | IDL generates |"
echo "|---|---|---|---|---|---|---|---|---|"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for d in "${drivers[@]}"; do
  echo "oracle_table.sh: $d" >&2
  bash scripts/split_linux.sh "$d" --json -o "$tmp/x.idl" >"$tmp/x.json" 2>/dev/null
  gen=yes
  build/bin/cordon-idlc "$tmp/x.idl" -o "$tmp/glue/x" >/dev/null 2>&1 || gen=NO
  out=$(python3 scripts/oracle_check.py "$d" 2>&1 || true)
  read -r und unexp unused < <(echo "$out" | sed -n 's/.*: \([0-9]*\) undefined symbols, \([0-9]*\) unexplained, \([0-9]*\) listed.*/\1 \2 \3/p')
  read -r taken absent < <(echo "$out" | sed -n 's/.*: \([0-9]*\) functions with their address taken, [0-9]* callbacks, \([0-9]*\) callbacks not.*/\1 \2/p')
  read -r d2k k2d < <(python3 -c "import json,sys; a=json.load(open(sys.argv[1])); print(len(a['drv_to_kernel']), len(a['kernel_to_drv']))" "$tmp/x.json")
  echo "| ${d#drivers/} | $d2k | $k2d | $und | $unexp | $unused | $taken | $absent | $gen |"
  rm -rf "$tmp/glue"
done
