#!/usr/bin/env bash
# make demo: the main job on its built-in default. cordon-demo runs the dummy
# network driver and null_blk natively and isolated (live progress on stderr),
# then the IPC table shows what one crossing costs against its baselines, and
# zbox-demo isolates a C library (zlib).
set -euo pipefail
build=${1:-build}
"$build/bin/cordon-demo"
echo
echo "== what one crossing costs: null calls into a sandboxed process domain vs. the baselines"
"$build/bin/cordon-bench" ipc 2>/dev/null

# A C library isolated the same way: zlib, fed garbage, killed, restarted.
echo
echo "== a C library in a domain: zlib (examples/zlib, docs/libraries.md)"
"$build/bin/zbox-demo"

# The kernel act: the same dummy driver isolated from a real Linux kernel
# (Debian's, booted under QEMU with cordon.ko), when QEMU can run here.
echo
echo "== the real kernel: dummy.c in a sandboxed domain of Linux $(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's|.*/linux-headers-||' | sort -V | tail -n 1) under QEMU"
if command -v qemu-system-x86_64 >/dev/null; then
  bash "$(dirname "$0")/../tests/kernel/run.sh" "$build" |
    grep -E 'cordon-guest: (.*frames|the kernel|.*up$)|domain_sandboxed|real_net_device|pktgen|passed' || true
else
  echo "(no qemu-system-x86_64 here: the kernel act is skipped)"
fi
