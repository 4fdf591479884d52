#!/usr/bin/env bash
# Turns `cordon-bench net --json` into a PNG chart of Mpps per mode.
#   usage: net_chart.sh NET.json CHART.png
set -euo pipefail
json=${1:?usage: net_chart.sh NET.json CHART.png}
png=${2:?usage: net_chart.sh NET.json CHART.png}
dat=$(mktemp)
trap 'rm -f "$dat"' EXIT
# rows: name native inproc process (Mpps)
sed -e 's/.*"results":\[//' -e 's/\]}.*//' -e 's/},{/}\n{/g' "$json" |
  sed -E 's/.*"name":"([^"]+)","mode":"([a-z]+)","ops_per_s":([0-9.]+).*/\1 \2 \3/' |
  awk '{v[$1" "$2]=$3/1e6; if (!($1 in seen)) {seen[$1]=1; order[n++]=$1}}
       END {for (i=0;i<n;i++) printf "%s %.4f %.4f %.4f\n", order[i], v[order[i]" native"], v[order[i]" inproc"], v[order[i]" process"]}' >"$dat"
gnuplot <<GP
set terminal pngcairo size 1000,520 font ",10"
set output "$png"
set title "cordon-bench net: dummy driver transmit, Mpps (log scale)"
set ylabel "million packets per second"
set logscale y
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set key top right
plot "$dat" using 2:xtic(1) title "native", "" using 3 title "inproc", "" using 4 title "process"
GP
