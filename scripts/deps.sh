#!/usr/bin/env bash
# Installs the Debian packages cordon needs, if any are missing.
# Needs root (apt-get); prints what it would install otherwise.
set -euo pipefail
pkgs=(
  gcc make            # the build
  libcmocka-dev       # the unit-test framework
  libseccomp-dev      # the process-domain sandbox (seccomp allow-list)
  clang libclang-rt-14-dev  # libFuzzer + sanitizer runtimes for fuzzing
  pkg-config          # the installed cordon.pc
  libclang-19-dev     # cordon-split, the analyzer (libclang's C API)
  linux-source-6.1 linux-headers-amd64  # real drivers the analyzer is tested on
  python3             # the analyzer's oracle check (scripts/oracle_check.py)
  zlib1g-dev          # examples/zlib: the library isolated in a domain
  gnuplot-nox         # benchmark charts (PNG)
  qemu-system-x86 busybox-static cpio xz-utils  # the kernel suite's guest (tests/kernel)
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "cordon: installing missing packages: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "cordon: need root to run apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
