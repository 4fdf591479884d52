#!/usr/bin/env bash
# make demo: the main job on its built-in default. For now (foundation), it
# isolates the null module in a sandboxed process domain on the other CPU,
# runs the null-call loop against every baseline, and prints the IPC table.
set -euo pipefail
build=${1:-build}
echo "cordon demo: null calls into a sandboxed process domain vs. the baselines"
echo "(host pinned to CPU 0, domain to CPU 1; progress on stderr)"
echo
"$build/bin/cordon-bench" ipc
