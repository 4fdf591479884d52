#!/usr/bin/env bash
# Runs cordon-split on a driver of the real Linux 6.1 sources (Debian
# linux-source-6.1, headers from linux-headers-amd64; scripts/deps.sh
# installs both).
#
#   scripts/split_linux.sh DRIVER [cordon-split options...]
#
# DRIVER is dummy, null_blk, ixgbe, brd or veth, or the path of any
# one-file driver in the tree (drivers/block/loop.c). The driver's files are unpacked from
# /usr/src/linux-source-6.1.tar.xz into build/linux (once); the clang flags
# that parse them are scripts/kernel-flags.txt with the installed headers'
# paths. Prints what cordon-split prints; exits with its status.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "${CORDON_BIN:-$here/build/bin}" && pwd)
driver=${1:?usage: split_linux.sh dummy|null_blk|ixgbe|brd|veth [options]}
shift
case $driver in
  dummy)    dir=drivers/net; want=drivers/net/dummy.c; base=dummy ;;
  null_blk) dir=drivers/block/null_blk; want="$dir/*"; base=main ;;
  ixgbe)    dir=drivers/net/ethernet/intel/ixgbe; want="$dir/*"; base=ixgbe ;;
  brd)      dir=drivers/block; want=drivers/block/brd.c; base=brd ;;
  veth)     dir=drivers/net; want=drivers/net/veth.c; base=veth ;;
  drivers/*.c) dir=$(dirname "$driver"); base=$(basename "$driver" .c)
               # and the headers beside it and one level up (../input-compat.h)
               want="$driver $dir/*.h $(dirname "$dir")/*.h" ;;
  *) echo "split_linux.sh: unknown driver '$driver' (dummy, null_blk, ixgbe, brd, veth)" >&2; exit 2 ;;
esac

tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || { echo "split_linux.sh: $tarball missing: run scripts/deps.sh as root" >&2; exit 2; }
ver=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's|.*/linux-headers-||; s|-amd64$||' | sort -V | tail -1)
[ -n "$ver" ] || { echo "split_linux.sh: no /usr/src/linux-headers-*-amd64: run scripts/deps.sh as root" >&2; exit 2; }
H=/usr/src/linux-headers-$ver-amd64
C=/usr/src/linux-headers-$ver-common

src=$here/build/linux
stamp=$src/.$(echo "$driver" | tr / _)
if [ ! -f "$stamp" ]; then
  echo "split_linux.sh: unpacking $want from $tarball" >&2
  mkdir -p "$src"
  read -ra wants <<<"$want" # split on spaces, no globbing here
  pats=()
  for w in "${wants[@]}"; do pats+=("linux-source-6.1/$w"); done
  # a header pattern may match nothing; the driver's file is checked below
  tar -xJf "$tarball" -C "$src" --wildcards "${pats[@]}" 2>/dev/null || true
  [ -e "$src/linux-source-6.1/${wants[0]%%\**}" ] ||
    { echo "split_linux.sh: ${wants[0]} is not in $tarball" >&2; exit 2; }
  touch "$stamp"
fi
modname=$driver
case $driver in drivers/*) modname=$base ;; esac
# absolute paths: the caller's relative paths (-o FILE) stay valid
dir=$src/linux-source-6.1/$dir
case $driver in
  dummy)    files=("$dir"/dummy.c) ;;
  null_blk) files=("$dir"/main.c "$dir"/zoned.c "$dir"/trace.c) ;;
  ixgbe)    files=("$dir"/*.c) ;;
  brd|veth) files=("$dir/$driver.c") ;;
  *)        files=("$dir/$base.c") ;;
esac

mapfile -t flags < <(grep -v '^#' "$here/scripts/kernel-flags.txt" | sed "s|\$C|$C|g; s|\$H|$H|g" | tr ' ' '\n' | grep -v '^$')
all=("${files[@]}" -- "${flags[@]}" -I"$dir" -DKBUILD_MODNAME="\"$modname\""
     -DKBUILD_BASENAME="\"$base\"" -Wno-format-security)
# CORDON_SPLIT_PRINT=1: print the files and flags, one a line, and stop
# (scripts/oracle_linux.sh compiles the driver with them)
if [ -n "${CORDON_SPLIT_PRINT:-}" ]; then printf '%s\n' "${all[@]}"; exit 0; fi
exec "$bin/cordon-split" "$@" "${all[@]}"
