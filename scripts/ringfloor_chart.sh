#!/usr/bin/env bash
# `cordon-bench ringfloor --json` as one PNG: each row's share of the native
# loop's speed (native ticks / row ticks), with the 90% target drawn in.
#   usage: ringfloor_chart.sh RESULT.json CHART.png
#   e.g.   ringfloor_chart.sh docs/data/ringfloor.json docs/ringfloor.png
set -euo pipefail
json=${1:?usage: ringfloor_chart.sh RESULT.json CHART.png}
png=${2:?usage: ringfloor_chart.sh RESULT.json CHART.png}
command -v gnuplot >/dev/null || { echo "ringfloor_chart.sh: needs gnuplot" >&2; exit 2; }
field() {
  local v
  v=$(sed -nE "s/.*\"$1\":([0-9.]+).*/\1/p" "$json")
  [ -n "$v" ] || { echo "ringfloor_chart.sh: $json has no \"$1\"" >&2; exit 2; }
  echo "$v"
}
dat=$(mktemp)
trap 'rm -f "$dat"' EXIT
{
  echo "\"bare books\\n(one thread)\" $(field bare_ratio)"
  echo "\"books + in-flight table\\n(one thread)\" $(field ratio)"
  echo "\"bare books, descriptors\\nread on the other CPU\" $(field xcore_ratio)"
  echo "\"the same, only the\\nindex read\" $(field xcore_index_ratio)"
} >"$dat"
native=$(field native_ticks_per_op)
gnuplot <<GP
set terminal pngcairo size 900,480 font ",10" noenhanced
set output "$png"
set title "cordon-bench ringfloor: share of the native loop's speed (native: $native TSC ticks a packet)"
set ylabel "native / row"
set yrange [0:1.1]
set grid ytics
set style fill solid 0.6 border -1
set boxwidth 0.6
set key off
set bmargin 4
set arrow from graph 0, first 0.9 to graph 1, first 0.9 nohead dashtype 2
set label "target 0.9" at graph 0.99, first 0.93 right
plot "$dat" using 0:2:xtic(1) with boxes, "" using 0:(\$2 + 0.03):(sprintf("%.1f%%", \$2 * 100)) with labels
GP
echo "wrote $png"
