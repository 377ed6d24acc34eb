#!/usr/bin/env bash
# Offline scale benchmark. On 1 M generated requests (realistic mode, seed 42):
#   1. Tandem's JD features on Spark local[2]: wall time, input rows/s, peak RSS;
#   2. the same data with one pair made far hotter (1 M more behaviour rows on it): the same figures;
#   3. the DuckDB peer (ci/bench/duckdb: the 42 columns as one SQL query) over the same files:
#      first its output is compared cell by cell with Tandem's, then its time and peak RSS;
#   4. a spec of ONE feature (ci/bench/one-feature.yaml) over the same files: the fixed cost of a run.
# Spark's event log of the first run goes to WORKDIR/events; its longest stages are printed.
# Usage: ci/bench-offline.sh [WORKDIR] [extra Tandem options]   (default WORKDIR /tmp/tandem-bench)
# The heap is TANDEM_JAVA_OPTS (default -Xmx2g); the DuckDB peer runs with 2 threads.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
work="${1:-/tmp/tandem-bench}"
mkdir -p "$work"
export TANDEM_JAVA_OPTS="${TANDEM_JAVA_OPTS:--Xmx2g}"
[ -d "$work/g1m" ] || ./tandem generate --scale 1000000 --out "$work/g1m" > /dev/null
[ -d "$work/g1m-hot" ] || ./tandem generate --scale 1000000 --hot-key-rows 1000000 --out "$work/g1m-hot" > /dev/null

peak_mb() { echo $(( $(grep "Maximum resident" "$1" | awk '{print $NF}') / 1024 )); }
wall() { grep -E "Elapsed \(wall" "$1" | awk '{print $NF}'; }

rm -rf "$work/events" && mkdir -p "$work/events"
for data in g1m g1m-hot; do
  events=""
  [ "$data" = g1m ] && events="-Dspark.eventLog.enabled=true -Dspark.eventLog.dir=file://$work/events"
  TANDEM_JAVA_OPTS="$TANDEM_JAVA_OPTS $events" /usr/bin/time -v ./tandem features --spec feature-spec/specs/jd.yaml --data "$work/$data" --out "$work/out-$data" \
      --overwrite --runner spark --sparkMaster='local[2]' "${@:2}" > "$work/$data.log" 2>&1
  read_rows=$(grep -E "^  [a-zA-Z_]+ +read" "$work/$data.log" | awk '{gsub(",","",$3); s+=$3} END {print s}')
  echo "tandem $data: $(grep '^features:' "$work/$data.log"); input rows $read_rows; wall $(wall "$work/$data.log"); peak RSS $(peak_mb "$work/$data.log") MB"
done
if command -v python3 > /dev/null; then
  echo "tandem g1m stages (Spark event log):"
  python3 ci/bench/spark-stages.py "$(ls "$work"/events/* | head -1)" 8
fi

peer=ci/bench/duckdb/target/duckdb-jd-bench.jar
[ -f "$peer" ] || (cd ci/bench/duckdb && mvn -B -q -ntp package)
# Equality first (DuckDB's result compared cell by cell with Tandem's output)...
if ! java -jar "$peer" --data "$work/g1m" --tandem-out "$work/out-g1m" --threads 2 > "$work/duckdb-compare.log" 2>&1; then
  grep -E "^(rows|tandem_rows|unmatched_rows|mismatches|column) " "$work/duckdb-compare.log" || true
  echo "outputs DIFFER: see $work/duckdb-compare.log"; exit 1
fi
echo "duckdb g1m vs tandem: $(grep -E '^(rows|mismatches) ' "$work/duckdb-compare.log" | tr '\n' ' ')-> outputs equal"
# ...then the query alone, timed, with its own peak memory.
/usr/bin/time -v java -jar "$peer" --data "$work/g1m" --threads 2 > "$work/duckdb.log" 2>&1
echo "duckdb g1m: query $(grep '^duckdb_seconds ' "$work/duckdb.log" | awk '{print $2}') s; wall $(wall "$work/duckdb.log") (JVM included); peak RSS $(peak_mb "$work/duckdb.log") MB"
/usr/bin/time -v ./tandem features --spec ci/bench/one-feature.yaml --data "$work/g1m" --out "$work/out-one" \
    --overwrite --runner spark --sparkMaster='local[2]' "${@:2}" > "$work/one.log" 2>&1
echo "tandem one feature g1m: $(grep '^features:' "$work/one.log"); wall $(wall "$work/one.log"); peak RSS $(peak_mb "$work/one.log") MB"
