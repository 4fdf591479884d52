#!/usr/bin/env bash
# Where the host's time goes in `cordon-bench net`, native against process,
# from one `perf record` of a frame-pointer build (this VM has no PMU:
# perf samples on the CPU clock, which is all this needs).
#
#   usage: net_profile.sh [PACKETS] [ROWS]    (defaults 3000000, 64B-batch32)
#
# Every host sample is put in one of four parts by its call stack:
#   native driver  under dummy_xmit: the native driver, with its free
#   ring           under the transmit ring (cdn_txring_*, cdn_glue_poll,
#                  cdn_txring_done): posting, receiving and applying
#                  completions, freeing the skbs they name
#   sender         the rest of send_loop: alloc_skb, touching the data,
#                  dev_queue_xmit - the same work in both modes
#   other          set-up, measurement
# Both modes run in one process, interleaved, so the sender part is split
# between them in proportion to their packets (equal counts): half each.
set -euo pipefail
packets=${1:-3000000}
rows=${2:-64B-batch32}
build=${BUILD_FP:-build/fp}
command -v perf >/dev/null || { echo "net_profile.sh: needs perf (linux-perf)" >&2; exit 2; }
make --no-print-directory BUILD="$build" OPT="-O2 -g -fno-omit-frame-pointer" all >/dev/null
data=$(mktemp)
trap 'rm -f "$data"' EXIT
echo "perf record: cordon-bench net --only $rows --mode process --rounds 5 --ops $packets" >&2
perf record -q -o "$data" -g "$build/bin/cordon-bench" net --only "$rows" --mode process \
  --rounds 5 --ops "$packets" 2>/dev/null | grep -E "native|process" || true
perf script -i "$data" -F comm,ip,sym 2>/dev/null | awk '
BEGIN { RS = "" }
$1 != "cordon-bench" { next }
{
    n = split($0, line, "\n")
    split(line[2], top, " ")
    if ($0 ~ /dummy_xmit/) part = "native driver"
    else if ($0 ~ /cdn_txring_|cdn_glue_poll|cdn_txring_done/) part = "ring"
    else if ($0 ~ /send_loop/) part = "sender"
    else part = "other"
    count[part]++
    self[part " " top[2]]++
}
END {
    sender = count["sender"] / 2
    nat = sender + count["native driver"]
    proc = sender + count["ring"]
    printf "host samples per mode (sender split evenly):\n"
    printf "  native:  sender %6.0f + driver and free %6d = %6.0f\n", sender, count["native driver"], nat
    printf "  process: sender %6.0f + ring            %6d = %6.0f\n", sender, count["ring"], proc
    printf "  native / process = %.1f%%  (the bench'\''s own ratio is printed above)\n", 100 * nat / proc
    for (p in count) if (p == "native driver" || p == "ring") {
        printf "\n%s: functions by own samples (share of the part)\n", p
        cmd = "sort -k1,1nr | head -12"
        for (k in self) if (index(k, p " ") == 1)
            printf "%6d %5.1f%%  %s\n", self[k], 100 * self[k] / count[p], substr(k, length(p) + 2) | cmd
        close(cmd)
    }
}'
