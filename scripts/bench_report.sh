#!/usr/bin/env bash
# Turns the JSON of `cordon-bench ipc --json` into a Markdown table (stdout)
# and a PNG bar chart (log scale) with gnuplot.
#   usage: bench_report.sh RESULT.json CHART.png
set -euo pipefail
json=${1:?usage: bench_report.sh RESULT.json CHART.png}
png=${2:?usage: bench_report.sh RESULT.json CHART.png}
dat=$(mktemp)
trap 'rm -f "$dat"' EXIT
# One result object per line, then pick the fields (the JSON is ours: flat).
sed -e 's/.*"results":\[//' -e 's/\],"targets".*//' -e 's/},{/}\n{/g' "$json" |
  sed -E 's/.*"name":"([^"]+)","median_ns":([0-9.]+),"p99_ns":([0-9.]+),"median_cycles":([0-9.]+).*/\1 \2 \3 \4/' >"$dat"
echo "| name | median ns | p99 ns | median cycles (TSC) |"
echo "|---|---:|---:|---:|"
awk '{printf "| %s | %.1f | %.1f | %.0f |\n", $1, $2, $3, $4}' "$dat"
gnuplot <<GP
set terminal pngcairo size 1000,520 font ",10" noenhanced
set output "$png"
set title "cordon-bench ipc: null call round trip (median, log scale)"
set ylabel "ns per call"
set logscale y
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.8
set xtics rotate by -30 left
set grid ytics
set key off
plot "$dat" using 2:xtic(1) lc rgb "#3a6ea5", "" using 0:2:(sprintf("%.0f",\$2)) with labels offset 0,0.8 notitle
GP
