#!/usr/bin/env bash
# Fetches Debian's kernel image for VERSION (never installed: downloaded with
# apt-get download and unpacked with dpkg-deb -x) and extracts the
# uncompressed ELF kernel from its vmlinuz, which QEMU boots through PVH in
# a few seconds under TCG (the compressed one takes 10-18 s to unpack).
#
#   tests/kernel/image.sh VERSION DIR      e.g. 6.1.0-57-amd64 build/kernel/image
#
# Leaves DIR/vmlinux and DIR/root (the package's files: /lib/modules/...).
# Exit status 0, 77 when the archive has no image for VERSION (it keeps only
# current ones), 1 on any other failure.
set -eu
ver=${1:?usage: image.sh VERSION DIR}
dir=${2:?usage: image.sh VERSION DIR}
mkdir -p "$dir"
if [ -s "$dir/vmlinux" ] && [ -d "$dir/root/lib/modules/$ver" ]; then
  exit 0
fi
deb=
for pkg in "linux-image-$ver-unsigned" "linux-image-$ver"; do
  if (cd "$dir" && apt-get download "$pkg" >download.log 2>&1); then
    deb=$(ls "$dir"/"$pkg"_*.deb | head -n 1)
    break
  fi
done
if [ -z "$deb" ]; then
  echo "image.sh: the archive has no linux-image-$ver (it keeps only current versions)" >&2
  exit 77
fi
rm -rf "$dir/root"
dpkg-deb -x "$deb" "$dir/root"
vmlinuz="$dir/root/boot/vmlinuz-$ver"
# the XZ stream inside the bzImage (Debian's 6.1 kernels are XZ-compressed)
off=$(grep -abo $'\xfd7zXZ' "$vmlinuz" | head -n 1 | cut -d: -f1)
[ -n "$off" ] || { echo "image.sh: no XZ stream in $vmlinuz" >&2; exit 1; }
tail -c +$((off + 1)) "$vmlinuz" | xz -dc --single-stream >"$dir/vmlinux.tmp"
head -c 4 "$dir/vmlinux.tmp" | grep -q 'ELF' || { echo "image.sh: $vmlinuz held no ELF kernel" >&2; exit 1; }
mv "$dir/vmlinux.tmp" "$dir/vmlinux"
rm -f "$deb"
