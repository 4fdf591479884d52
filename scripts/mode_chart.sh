#!/usr/bin/env bash
# Turns `cordon-bench net|blk --json` into a PNG chart of throughput per mode.
#   usage: mode_chart.sh RESULT.json CHART.png TITLE UNIT DIVISOR
#   e.g.   mode_chart.sh docs/data/net.json docs/net.png "dummy transmit" Mpps 1e6
set -euo pipefail
usage="usage: mode_chart.sh RESULT.json CHART.png TITLE UNIT DIVISOR"
json=${1:?$usage}
png=${2:?$usage}
title=${3:?$usage}
unit=${4:?$usage}
div=${5:?$usage}
dat=$(mktemp)
trap 'rm -f "$dat"' EXIT
# rows: name native inproc process (Mpps)
sed -e 's/.*"results":\[//' -e 's/\]}.*//' -e 's/},{/}\n{/g' "$json" |
  sed -E 's/.*"name":"([^"]+)","mode":"([a-z]+)","ops_per_s":([0-9.]+).*/\1 \2 \3/' |
  awk -v div="$div" '{v[$1" "$2]=$3/div; if (!($1 in seen)) {seen[$1]=1; order[n++]=$1}}
       END {for (i=0;i<n;i++) printf "%s %.4f %.4f %.4f\n", order[i], v[order[i]" native"], v[order[i]" inproc"], v[order[i]" process"]}' >"$dat"
gnuplot <<GP
set terminal pngcairo size 1000,520 font ",10" noenhanced
set output "$png"
set title "cordon-bench: $title, $unit"
set ylabel "$unit"
set yrange [0:*]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set key top right
plot "$dat" using 2:xtic(1) title "native", "" using 3 title "inproc", "" using 4 title "process"
GP
