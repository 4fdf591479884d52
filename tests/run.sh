#!/usr/bin/env bash
# Runs every test program in a directory, each under a time limit, and ends
# with one summary line: "N passed, N failed" (cmocka's counts, summed).
set -u
dir=${1:?usage: run.sh TEST_DIR}
passed=0 failed=0 crashed=0
for t in "$dir"/test_*; do
  [ -x "$t" ] || continue
  out=$(mktemp)
  CMOCKA_MESSAGE_OUTPUT=stdout timeout 600 "$t" >"$out" 2>&1
  rc=$?
  cat "$out"
  p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$out" | awk '{s+=$4} END {print s+0}')
  f=$(grep -Eo '^\[  FAILED  \] [0-9]+ test' "$out" | awk '{s+=$4} END {print s+0}')
  passed=$((passed + p)); failed=$((failed + f))
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "run.sh: $(basename "$t") exited with status $rc" >&2
    crashed=$((crashed + 1)); failed=$((failed + 1))
  fi
  rm -f "$out"
done
echo "${passed} passed, ${failed} failed"
# make test adds the counts of several runs into one closing line.
[ -n "${CORDON_TEST_SUMMARY:-}" ] && echo "$passed $failed" >>"$CORDON_TEST_SUMMARY"
[ "$failed" -eq 0 ]
