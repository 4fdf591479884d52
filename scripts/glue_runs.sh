#!/usr/bin/env bash
# Runs `cordon-bench ipc --json` N times (default 10) and prints, per run, the
# glue cost of the int call over the raw null call: the paired median (the
# target's measure) and the difference of the two rows' medians; then the
# median of the runs. The VM's cross-core noise moves one run's figure by
# +-15 ticks, so one run does not decide the target.
#   usage: glue_runs.sh [N]
set -euo pipefail
n=${1:-10}
bench=${CORDON_BENCH:-./build/bin/cordon-bench}
vals=()
for i in $(seq "$n"); do
  echo "run $i/$n" >&2
  line=$("$bench" ipc --json 2>/dev/null |
    grep -o '"target":"idl-int-call[^}]*}' |
    sed -E 's/.*"cycles":([-0-9.]+),"difference_of_medians":([-0-9.]+).*/\1 \2/')
  echo "run $i: paired median $(cut -d' ' -f1 <<<"$line") ticks, difference of medians $(cut -d' ' -f2 <<<"$line")"
  vals+=("$(cut -d' ' -f1 <<<"$line")")
done
printf '%s\n' "${vals[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2;
  printf "median of %d runs: %s ticks (min %s, max %s); target <= 50\n", NR, m, a[1], a[NR]}'
