#!/usr/bin/env bash
# make demo: the main job on its built-in default.
#  1. null calls into a sandboxed process domain against every baseline (IPC table)
#  2. the dummy network driver, one source, run natively and isolated (inproc,
#     process domain on the other CPU), with packets pushed through it
set -euo pipefail
build=${1:-build}
echo "== cordon demo 1/2: null calls into a sandboxed process domain vs. the baselines"
echo "   (host pinned to CPU 0, domain to CPU 1; progress on stderr)"
echo
"$build/bin/cordon-bench" ipc
echo
echo "== cordon demo 2/2: drivers/net/dummy.c, one source, three modes (pktgen-style transmit)"
echo "   (a smoke run: --quick; full run: $build/bin/cordon-bench net)"
echo
"$build/bin/cordon-bench" net --quick
