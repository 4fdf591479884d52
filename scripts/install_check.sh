#!/usr/bin/env bash
# Builds a driver outside this tree from what `make install` installs, and
# runs it in all three modes: the installed headers, libraries, tools and
# pkg-config files (cordon, cordon-kernel, cordon-kmod) are all it uses.
# The driver is a copy of drivers/net/dummy.c with its IDL and module file;
# the host is tests/oot/oot_host.c.
#
#   usage: install_check.sh [BUILD]        (exit 0: all three modes counted
#                                           every packet)
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=/opt/cordon
make --no-print-directory -C "$root" BUILD="$build" PREFIX=$prefix DESTDIR="$tmp/inst" install >/dev/null
p=$tmp/inst$prefix
pc() { PKG_CONFIG_PATH=$p/lib/pkgconfig pkg-config --define-variable=prefix="$p" "$@"; }

# the user's tree: the driver, its IDL, its module file, its descriptor
src=$tmp/src
mkdir -p "$src/gen" "$tmp/mod"
cp "$root/drivers/net/dummy.c" "$root/drivers/net/dummy.idl" "$root/drivers/net/dummy_module.c" \
  "$root/drivers/net/dummy_desc.c" "$root/tests/oot/oot_host.c" "$src/"
"$p/bin/cordon-idlc" "$src/dummy.idl" -o "$src/gen"

# the isolated driver: one module for inproc and process
cc -std=gnu11 -O2 -Wall -Wextra -Werror $(pc --cflags cordon-kmod) -I"$src/gen" \
  -o "$tmp/mod/dummy.so" "$src/dummy.c" "$src/dummy_module.c" "$src/gen/dummy_domain.c" \
  $(pc --libs cordon-kmod) $(pc --variable=net_module_ldflags cordon-kernel)
# the host: its descriptor, the host glue, the driver compiled in (native)
cc -std=gnu11 -O2 -Wall -Wextra -Werror $(pc --cflags cordon-kernel) -I"$src/gen" \
  -DKBUILD_MODNAME='"dummy"' -o "$tmp/oot_host" "$src/oot_host.c" "$src/dummy_desc.c" \
  "$src/gen/dummy_host.c" "$src/dummy.c" $(pc --libs cordon-kernel)

for mode in native inproc process; do
  LD_LIBRARY_PATH=$p/lib CORDON_LAUNCHER=$p/bin/cordon-domain "$tmp/oot_host" $mode "$tmp/mod"
done
echo "install_check: a driver built outside the tree ran in all three modes"
