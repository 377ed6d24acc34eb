#!/usr/bin/env bash
# Offline scale benchmark: the JD spec over 1 M generated requests on Spark local[2], then the same
# data with one key made far hotter (1 M more behaviour rows on one pair). Prints wall time,
# rows/s and peak RSS of each run. Usage: ci/bench-offline.sh [WORKDIR] (default /tmp/tandem-bench)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
work="${1:-/tmp/tandem-bench}"
mkdir -p "$work"
export TANDEM_JAVA_OPTS="${TANDEM_JAVA_OPTS:--Xmx6g}"
[ -d "$work/g1m" ] || ./tandem generate --scale 1000000 --out "$work/g1m" > /dev/null
[ -d "$work/g1m-hot" ] || ./tandem generate --scale 1000000 --hot-key-rows 1000000 --out "$work/g1m-hot" > /dev/null
for data in g1m g1m-hot; do
  rows=$(find "$work/$data" -name '*.parquet' -not -path '*/_truth/*' | wc -l)
  /usr/bin/time -v ./tandem features --spec feature-spec/specs/jd.yaml --data "$work/$data" --out "$work/out-$data" \
      --overwrite --runner spark --sparkMaster='local[2]' "${@:2}" > "$work/$data.log" 2>&1
  wall=$(grep -E "Elapsed \(wall" "$work/$data.log" | awk '{print $NF}')
  rss=$(grep "Maximum resident" "$work/$data.log" | awk '{print $NF}')
  read_rows=$(grep -E "^  [a-zA-Z_]+ +read" "$work/$data.log" | awk '{gsub(",","",$3); s+=$3} END {print s}')
  echo "$data: $(grep '^features:' "$work/$data.log"); input rows $read_rows; wall $wall; peak RSS $((rss / 1024)) MB"
done
