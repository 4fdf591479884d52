#!/usr/bin/env bash
# The block ratio against the working area: `cordon-bench blk --only qd16
# --area N --json` for several N, as one PNG (process / native, per row).
#   usage: area_chart.sh CHART.png RESULT_1.json RESULT_2.json ...
#   e.g.   area_chart.sh docs/blk_area.png docs/data/blk_area_*.json
set -euo pipefail
png=${1:?usage: area_chart.sh CHART.png RESULT.json...}
shift
[ $# -gt 0 ] || { echo "area_chart.sh: no result files" >&2; exit 2; }
dat=$(mktemp)
trap 'rm -f "$dat"' EXIT
# rows: area_mib ratio(4K-qd16 process) ratio(512B-qd16 process)
for f in "$@"; do
  area=$(sed -E 's/.*"area_mib":([0-9]+).*/\1/' "$f")
  r4=$(sed -E 's/.*"name":"blk-4K-qd16","mode":"process"[^}]*"ratio_to_native":([0-9.]+).*/\1/' "$f")
  r5=$(sed -E 's/.*"name":"blk-512B-qd16","mode":"process"[^}]*"ratio_to_native":([0-9.]+).*/\1/' "$f")
  echo "$area $r4 $r5"
done | sort -n >"$dat"
gnuplot <<GP
set terminal pngcairo size 900,480 font ",10" noenhanced
set output "$png"
set title "cordon-bench blk: isolated (process) / native at queue depth 16, by working area"
set xlabel "working area (MiB, log scale)"
set ylabel "process / native"
set logscale x 2
set yrange [0:1.1]
set grid
set key bottom right
set arrow from graph 0, first 0.9 to graph 1, first 0.9 nohead dashtype 2
set label "target 0.9" at graph 0.02, first 0.93
plot "$dat" using 1:2 with linespoints title "4 KiB", "" using 1:3 with linespoints title "512 B"
GP
