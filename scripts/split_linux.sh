#!/usr/bin/env bash
# Runs cordon-split on a driver of the real Linux 6.1 sources (Debian
# linux-source-6.1, headers from linux-headers-amd64; scripts/deps.sh
# installs both).
#
#   scripts/split_linux.sh DRIVER [cordon-split options...]
#
# DRIVER is dummy, null_blk, ixgbe, brd or veth, or the path of any one-file
# driver in the tree (drivers/block/loop.c). The driver's files, and the
# headers beside them and one directory up, are unpacked from
# /usr/src/linux-source-6.1.tar.xz into build/linux once (the first time,
# those of every driver the test suite analyses, in one pass: the archive
# takes ~10 s to read). The clang flags that parse them are
# scripts/kernel-flags.txt with the installed headers' paths. Prints what
# cordon-split prints; exits with its status.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "${CORDON_BIN:-$here/build/bin}" && pwd)
driver=${1:?usage: split_linux.sh dummy|null_blk|ixgbe|brd|veth|drivers/PATH.c [options]}
shift
# the drivers tests/test_split.c analyses (its linux_drivers list)
suite="dummy null_blk ixgbe brd veth drivers/block/loop.c drivers/block/virtio_blk.c
  drivers/net/tun.c drivers/net/virtio_net.c drivers/net/macvlan.c drivers/net/ifb.c
  drivers/net/netconsole.c drivers/net/can/vcan.c drivers/net/ethernet/realtek/8139too.c
  drivers/char/virtio_console.c drivers/input/misc/uinput.c"

# where DRIVER's files are: sets dir, base and want (the archive patterns)
locate() {
  case $1 in
    dummy)    dir=drivers/net; base=dummy; want=drivers/net/dummy.c ;;
    null_blk) dir=drivers/block/null_blk; base=main; want="$dir/*" ;;
    ixgbe)    dir=drivers/net/ethernet/intel/ixgbe; base=ixgbe; want="$dir/*" ;;
    brd)      dir=drivers/block; base=brd; want=drivers/block/brd.c ;;
    veth)     dir=drivers/net; base=veth; want=drivers/net/veth.c ;;
    drivers/*.c) dir=$(dirname "$1"); base=$(basename "$1" .c)
                 want="$1 $dir/*.h $(dirname "$dir")/*.h" ;; # ../input-compat.h
    *) echo "split_linux.sh: unknown driver '$1' (dummy, null_blk, ixgbe, brd, veth, drivers/PATH.c)" >&2
       exit 2 ;;
  esac
}
locate "$driver"

tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || { echo "split_linux.sh: $tarball missing: run scripts/deps.sh as root" >&2; exit 2; }
ver=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's|.*/linux-headers-||; s|-amd64$||' | sort -V | tail -1)
[ -n "$ver" ] || { echo "split_linux.sh: no /usr/src/linux-headers-*-amd64: run scripts/deps.sh as root" >&2; exit 2; }
H=/usr/src/linux-headers-$ver-amd64
C=/usr/src/linux-headers-$ver-common

src=$here/build/linux
stamp_of() { echo "$src/.$(echo "$1" | tr / _)"; }
if [ ! -f "$(stamp_of "$driver")" ]; then
  batch=$driver
  case " $(echo $suite) " in *" $driver "*) batch=$suite ;; esac
  pats=()
  for d in $batch; do
    locate "$d"
    read -ra wants <<<"$want" # split on spaces, no globbing here
    for w in "${wants[@]}"; do pats+=("linux-source-6.1/$w"); done
  done
  echo "split_linux.sh: unpacking $(echo $batch) from $tarball" >&2
  mkdir -p "$src"
  # a header pattern may match nothing; each driver's file is checked below
  tar -xJf "$tarball" -C "$src" --wildcards "${pats[@]}" 2>/dev/null || true
  for d in $batch; do
    locate "$d"
    first=${want%% *}
    if [ -e "$src/linux-source-6.1/${first%%\**}" ]; then touch "$(stamp_of "$d")"; fi
  done
  locate "$driver"
  [ -f "$(stamp_of "$driver")" ] ||
    { echo "split_linux.sh: $driver is not in $tarball" >&2; exit 2; }
fi
modname=$driver
case $driver in drivers/*) modname=$base ;; esac
# absolute paths: the caller's relative paths (-o FILE) stay valid
dir=$src/linux-source-6.1/$dir
case $driver in
  null_blk) files=("$dir"/main.c "$dir"/zoned.c "$dir"/trace.c) ;;
  ixgbe)    files=("$dir"/*.c) ;;
  *)        files=("$dir/$base.c") ;;
esac

mapfile -t flags < <(grep -v '^#' "$here/scripts/kernel-flags.txt" | sed "s|\$C|$C|g; s|\$H|$H|g" | tr ' ' '\n' | grep -v '^$')
all=("${files[@]}" -- "${flags[@]}" -I"$dir" -DKBUILD_MODNAME="\"$modname\""
     -DKBUILD_BASENAME="\"$base\"" -Wno-format-security)
# CORDON_SPLIT_PRINT=1: print the files and flags, one a line, and stop
# (scripts/oracle_linux.sh compiles the driver with them)
if [ -n "${CORDON_SPLIT_PRINT:-}" ]; then printf '%s\n' "${all[@]}"; exit 0; fi
exec "$bin/cordon-split" "$@" "${all[@]}"
