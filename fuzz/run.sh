#!/usr/bin/env bash
# Runs every fuzz target in a directory for a few seconds each, keeping a
# corpus per target under the build directory. A crash fails the run.
set -euo pipefail
dir=${1:?usage: run.sh FUZZ_DIR [SECONDS]}
secs=${2:-10}
for f in "$dir"/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  corpus="$dir/corpus-$name"
  mkdir -p "$corpus"
  # Seeds kept in the repository (fuzz/corpus/NAME), if any.
  seeds="$(dirname "$0")/corpus/$name"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz: $name for ${secs}s"
  "$f" -max_total_time="$secs" -print_final_stats=0 -artifact_prefix="$dir/$name-" "$corpus" \
    2>"$dir/$name.log" || { tail -40 "$dir/$name.log"; echo "fuzz: $name FAILED"; exit 1; }
  grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" "$dir/$name.log" | tail -1
done
