#!/bin/sh
# In the guest: cordon-kdomain, as a user would run it: the isolated dummy
# comes up as a device the usual tools see and use, keeps it (and its
# address) when its driver is killed (cordon-kdomain restarts it), and goes
# away on SIGTERM; the isolated null_blk comes up as a disk, keeps its data when
# its driver is killed (cordon-kdomain restarts it) and goes away on
# SIGTERM. Prints ok/FAIL lines and "N passed, N failed".
p=0 f=0
check() { if [ "$2" = 0 ]; then echo "ok $1"; p=$((p + 1)); else echo "FAIL $1: $3"; f=$((f + 1)); fi; }
/lib/cordon/cordon-kdomain --launcher /lib/cordon/cordon-domain 65 /lib/cordon/dummy.so \
  >/tmp/kdomain.out 2>&1 &
kd=$!
i=0
while [ $i -lt 100 ] && ! grep -q 'is up' /tmp/kdomain.out; do sleep 0.1; i=$((i + 1)); done
grep -q 'is up' /tmp/kdomain.out; check kdomain_started $? "$(cat /tmp/kdomain.out)"
dev=$(sed -n 's/^cordon-kdomain: \([a-z0-9]*\) is up.*/\1/p' /tmp/kdomain.out)
ip link show "$dev" >/dev/null 2>&1; check ip_link_shows_it $? "no $dev in ip link"
echo 1 >/proc/sys/net/ipv6/conf/"$dev"/disable_ipv6 2>/dev/null
ip link set "$dev" up; check ip_link_set_up $? "ip link set $dev up failed"
ip addr add 10.9.8.1/24 dev "$dev" && ping -c 3 -W 1 10.9.8.2 >/dev/null 2>&1
tx=$(cat /sys/class/net/"$dev"/statistics/tx_packets)
[ "$tx" -ge 3 ]; check ping_goes_out_through_it $? "tx_packets $tx after 3 pings"
# its driver killed: cordon-kdomain restarts it, the device and its address stay
idx=$(cat /sys/class/net/"$dev"/ifindex)
pid=$(sed -n 's/.*in domain \([0-9]*\).*/\1/p' /tmp/kdomain.out | tail -n 1)
kill -9 "$pid"
i=0
while [ $i -lt 100 ] && ! grep -q 'restarted' /tmp/kdomain.out; do sleep 0.1; i=$((i + 1)); done
grep -q 'restarted' /tmp/kdomain.out; check kdomain_restarts_the_net_driver $? "$(cat /tmp/kdomain.out)"
ping -c 3 -W 1 10.9.8.2 >/dev/null 2>&1
tx2=$(cat /sys/class/net/"$dev"/statistics/tx_packets)
[ "$(cat /sys/class/net/"$dev"/ifindex)" = "$idx" ] && [ "$tx2" -ge $((tx + 3)) ] &&
  ip addr show "$dev" | grep -q 10.9.8.1
check device_and_address_kept_across_the_restart $? "tx_packets $tx then $tx2"
kill -TERM $kd; wait $kd; check kdomain_stops_cleanly $? "exit status $?"
[ ! -e /sys/class/net/"$dev" ]; check device_gone_after_stop $? "$dev still there"
# a disk, supervised
/lib/cordon/cordon-kdomain --launcher /lib/cordon/cordon-domain --block 66 \
  /lib/cordon/null_blk.so >/tmp/kblk.out 2>&1 &
kb=$!
i=0
while [ $i -lt 100 ] && ! grep -q 'is up' /tmp/kblk.out; do sleep 0.1; i=$((i + 1)); done
disk=$(sed -n 's/^cordon-kdomain: \(nullb[0-9]*\) is up.*/\1/p' /tmp/kblk.out)
[ -n "$disk" ] && [ -b "/dev/$disk" ]; check kdomain_block_started $? "$(cat /tmp/kblk.out)"
dd if=/dev/urandom of=/tmp/blk.in bs=4k count=256 2>/dev/null
dd if=/tmp/blk.in of="/dev/$disk" bs=4k conv=fsync 2>/dev/null; check dd_writes_the_disk $? "dd failed"
pid=$(sed -n 's/.*in domain \([0-9]*\).*/\1/p' /tmp/kblk.out | tail -n 1)
kill -9 "$pid"
i=0
while [ $i -lt 100 ] && ! grep -q 'restarted' /tmp/kblk.out; do sleep 0.1; i=$((i + 1)); done
grep -q 'restarted' /tmp/kblk.out; check kdomain_restarts_the_driver $? "$(cat /tmp/kblk.out)"
echo 3 >/proc/sys/vm/drop_caches
dd if="/dev/$disk" of=/tmp/blk.out bs=4k count=256 2>/dev/null && cmp -s /tmp/blk.in /tmp/blk.out
check data_kept_across_the_restart $? "what was written is not what is read"
kill -TERM $kb; wait $kb; check kdomain_block_stops_cleanly $? "exit status $?"
[ ! -e "/sys/block/$disk" ]; check disk_gone_after_stop $? "$disk still there"
echo "$p passed, $f failed"
[ $f -eq 0 ]
