#!/usr/bin/env bash
# make demo: the main job on its built-in default. cordon-demo runs the dummy
# network driver and null_blk natively and isolated (live progress on stderr),
# then the IPC table shows what one crossing costs against its baselines.
set -euo pipefail
build=${1:-build}
"$build/bin/cordon-demo"
echo
echo "== what one crossing costs: null calls into a sandboxed process domain vs. the baselines"
"$build/bin/cordon-bench" ipc 2>/dev/null
