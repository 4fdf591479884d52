#!/usr/bin/env bash
# The kernel suite (make test-kernel; make test runs it too): cordon.ko
# built with kbuild against the installed linux-headers-amd64, booted in
# QEMU (TCG) on Debian's kernel image of the same version, with guest tests
# in an initramfs of busybox-static and static test programs. Ends with
# "N passed, N failed" (the guest's ok/FAIL lines, counted here).
#
#   tests/kernel/run.sh [BUILD_DIR]     default build
#
# CORDON_KERNEL_FAULTS (default 200): the size of each block campaign in
# the guest (blk_test: crashes, and attacks by a hostile domain).
# CORDON_KERNEL_ONLY=NAME runs only the guest test NAME (e.g. blk_test).
# CORDON_KERNEL_BENCH_ROUNDS=N adds blk_test's comparison with Linux's
# null_blk.ko, N rounds alternating (an indication only: TCG).
#
# When the archive holds no image for the installed headers' version, the
# suite says so and counts nothing (exit 0). A guest that does not end
# within CORDON_KERNEL_TIMEOUT seconds (default 900) fails the suite.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(mkdir -p "${1:-build}" && cd "${1:-build}" && pwd)/kernel
timeout_s=${CORDON_KERNEL_TIMEOUT:-900}
faults=${CORDON_KERNEL_FAULTS:-200}
summary() { # PASSED FAILED
  echo "$1 passed, $2 failed"
  [ -n "${CORDON_TEST_SUMMARY:-}" ] && echo "$1 $2" >>"$CORDON_TEST_SUMMARY"
  [ "$2" -eq 0 ]
}
fail() { echo "test-kernel: $*" >&2; summary 0 1; exit 1; }

ver=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's|.*/linux-headers-||' | sort -V | tail -n 1)
[ -n "$ver" ] || fail "no /usr/src/linux-headers-*-amd64 (scripts/deps.sh installs them)"
command -v qemu-system-x86_64 >/dev/null || fail "no qemu-system-x86_64 (scripts/deps.sh installs it)"
[ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked' ||
  fail "no static /bin/busybox (busybox-static; scripts/deps.sh installs it)"

# 1. the image
"$here/tests/kernel/image.sh" "$ver" "$build/image"
st=$?
if [ $st -eq 77 ]; then
  echo "test-kernel: no Debian image of $ver to boot: kernel suite skipped"
  summary 0 0
  exit 0
fi
[ $st -eq 0 ] || fail "could not fetch the kernel image for $ver"

# 2. cordon.ko: kbuild writes objects beside the sources, so it builds a
# copy of what the module is made of
src=$build/src
rm -rf "$src" && mkdir -p "$src/src"
cp -r "$here/kmod" "$here/include" "$src/"
for d in ipc glue cap heap util; do cp -r "$here/src/$d" "$src/src/"; done
mkdir -p "$src/kernel/include" "$src/kernel/lib"
cp "$here/kernel/include/cordon_rings.h" "$src/kernel/include/"
cp "$here/kernel/lib/ring_msg.c" "$src/kernel/lib/"
kbuild() { # DIR NAME [extra make arguments]: builds one module, no warnings allowed
  local dir=$1 name=$2; shift 2
  make -s -C "/usr/src/linux-headers-$ver" M="$dir" "$@" clean >/dev/null 2>&1
  make -s -C "/usr/src/linux-headers-$ver" M="$dir" "$@" modules >"$build/$name.log" 2>&1 ||
    { cat "$build/$name.log" >&2; fail "$name did not build"; }
  if grep -E 'warning:' "$build/$name.log" >&2; then fail "$name built with warnings"; fi
}
make -s -C "$here" all >/dev/null || fail "the library did not build"
kbuild "$src/kmod" cordon.ko
# the demo IDL's host glue, from the same generator, for the kernel
gen=$src/idltest
cp -r "$here/tests/kernel/idltest" "$src/" && cp "$here/tests/idl/demo_types.h" "$gen/"
"$here/build/bin/cordon-idlc" "$here/tests/idl/demo.idl" -o "$gen" || fail "cordon-idlc failed"
kbuild "$gen" cordon_idltest.ko KBUILD_EXTRA_SYMBOLS="$src/kmod/Module.symvers"
# the dummy driver's kernel-side glue module: compiled against the driver's
# view of the network core
dum=$src/dummy
mkdir -p "$dum/linux" && cp "$here/drivers/net/kmod/dummy_kmod.c" "$dum/" &&
  cp "$here/drivers/net/kmod/dummy.kbuild" "$dum/Kbuild" && cp "$here/kmod/cordon_log.h" "$dum/" &&
  cp "$here"/drivers/net/kmod/linux/*.h "$dum/linux/"
"$here/build/bin/cordon-idlc" "$here/drivers/net/dummy.idl" -o "$dum" || fail "cordon-idlc failed"
kbuild "$dum" cordon_dummy.ko KBUILD_EXTRA_SYMBOLS="$src/kmod/Module.symvers"
# null_blk's: its glue compiled against the driver's view of blk-mq
nb=$src/null_blk
mkdir -p "$nb/linux" && cp "$here/drivers/block/kmod/null_blk_kmod.c" "$here/kmod/cordon_log.h" "$nb/" &&
  cp "$here/drivers/block/kmod/null_blk.kbuild" "$nb/Kbuild" &&
  cp "$here/drivers/block/kmod/linux/blk-mq.h" "$nb/linux/"
"$here/build/bin/cordon-idlc" "$here/drivers/block/null_blk.idl" -o "$nb" || fail "cordon-idlc failed"
kbuild "$nb" cordon_null_blk.ko KBUILD_EXTRA_SYMBOLS="$src/kmod/Module.symvers"

# 3. the guest's programs: static, against the library's own channel code
root=$build/initramfs
rm -rf "$root" && mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,lib/cordon/tests}
cp /bin/busybox "$root/bin/" && ln -s busybox "$root/bin/sh"
cp "$here/tests/kernel/init" "$root/init"
cp "$src/kmod/cordon.ko" "$gen/cordon_idltest.ko" "$dum/cordon_dummy.ko" "$nb/cordon_null_blk.ko" \
  "$root/lib/cordon/"
cc="gcc -static -O2 -std=gnu11 -Wall -Wextra -Werror -I$here/include"
$cc -o "$root/lib/cordon/guest_exit" "$here/tests/kernel/guest/guest_exit.c" ||
  fail "guest_exit did not build"
for t in "$here"/tests/kernel/guest/*_test.c; do
  n=$(basename "$t" .c)
  extra=()
  # the IDL test is a domain of the demo IDL: its generated domain glue
  [ "$n" = idl_test ] && extra=("-I$gen" "-I$here/tests/idl" "$gen/demo_domain.c")
  [ "$n" = hostile_test ] && extra=("-iquote" "$here/kernel/include")
  # the net test is the dummy driver's domain: the driver, its glue, the
  # domain library (compiled against the driver-side headers, apart)
  if [ "$n" = net_test ]; then
    obj=$build/dummy-domain && rm -rf "$obj" && mkdir -p "$obj"
    for f in drivers/net/dummy.c drivers/net/dummy_module.c kernel/drvlib/printk.c \
             kernel/drvlib/params.c kernel/drvlib/rings.c kernel/drvlib/txring.c \
             kernel/lib/params.c build/gen/dummy/dummy_domain.c; do
      $cc -Wno-missing-prototypes -I$here/kernel/include -I$here/kernel/include/linux \
        -I$here/kernel/drvlib -I$here/build/gen/dummy -DKBUILD_MODNAME='"dummy"' \
        -c "$here/$f" -o "$obj/$(echo "$f" | tr / _).o" || fail "$f did not build for the guest"
    done
    extra=("$obj"/*.o -Wl,--wrap=consume_skb)
  fi
  $cc -o "$root/lib/cordon/tests/$n" "$t" "${extra[@]}" "$here/build/lib/libcordon.a" -lpthread ||
    fail "$n did not build"
done
# the sandboxed domain: the launcher with the libraries it links, and the
# driver modules it loads (the same files the user-space host uses)
cp "$here/build/bin/cordon-domain" "$here/build/bin/cordon-kdomain" "$root/lib/cordon/"
cp "$here/tests/kernel/guest/kdomain_test.sh" "$root/lib/cordon/tests/kdomain_test"
cp "$here/build/lib/cordon/dummy.so" "$here/build/lib/cordon/null_blk.so" \
  "$here/build/lib/cordon/blk_faulty.so" "$here/build/lib/cordon/net_ring_bad.so" "$root/lib/cordon/"
# Linux's own modules from the image: the native baseline, and pktgen
mkdir -p "$root/lib/cordon/native"
# (null_blk.ko and configfs.ko; ext4 and what it needs, for a file system
# on the isolated disk)
for m in drivers/net/dummy.ko net/core/pktgen.ko drivers/block/null_blk/null_blk.ko \
         fs/configfs/configfs.ko lib/crc16.ko fs/mbcache.ko fs/jbd2/jbd2.ko \
         crypto/crc32c_generic.ko fs/ext4/ext4.ko; do
  cp "$build/image/root/lib/modules/$ver/kernel/$m" "$root/lib/cordon/native/" ||
    fail "the image has no $m"
done
ldd "$here/build/bin/cordon-domain" | grep -o '/[^ ]*' | while read -r lib; do
  mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib"
done
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$build/initramfs.cpio.gz" ||
  fail "the initramfs could not be packed"

# 4. one boot runs every guest test
log=$build/guest.log
echo "test-kernel: booting $ver under QEMU (TCG)"
timeout "$timeout_s" qemu-system-x86_64 -accel tcg -machine q35 -cpu qemu64 -m 512 -smp 2 \
  -nodefaults -no-reboot -net none -display none -serial stdio \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
  -kernel "$build/image/vmlinux" -initrd "$build/initramfs.cpio.gz" \
  -append "console=ttyS0 panic=-1 mitigations=off tsc=reliable quiet cordon.faults=$faults${CORDON_KERNEL_BENCH_ROUNDS:+ cordon.bench_rounds=$CORDON_KERNEL_BENCH_ROUNDS} cordon.dump_after=$((timeout_s - 30))${CORDON_KERNEL_ONLY:+ cordon.only=$CORDON_KERNEL_ONLY}" </dev/null >"$log" 2>&1
qrc=$?
tr -d '\r' <"$log" | grep -E '^(ok |FAIL |cordon-guest:)'
passed=$(tr -d '\r' <"$log" | grep -c '^ok ')
failed=$(tr -d '\r' <"$log" | grep -c '^FAIL ')
case $qrc in
  1) ;;  # isa-debug-exit 0: the guest says it passed
  3) [ "$failed" -gt 0 ] || failed=1 ;;
  124) echo "test-kernel: the guest did not finish in ${timeout_s} s" >&2; failed=$((failed + 1)) ;;
  *) echo "test-kernel: the guest ended without a verdict (QEMU status $qrc); its log: $log" >&2
     tail -n 30 "$log" >&2; failed=$((failed + 1)) ;;
esac
summary "$passed" "$failed"
