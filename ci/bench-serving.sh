#!/usr/bin/env bash
# /recommend and /predict under load with the DEFAULT model (DeepFM 400-400-400, trained on the data
# unless --model names one) on the data's state, against the floor measured in the same run (one
# MGET of each request's keys + one model call on its 100 rows). Random users and candidates from
# the data; wrk in another process; Redis, server and wrk on loopback. See ServingBenchmark.
#   ci/bench-serving.sh [DATA_DIR] [--duration 60] [--rate 500] [--model DIR] [--work DIR]
# Default DATA_DIR: $TANDEM_JD_SAMPLE or ../shared/jd-sample. Needs wrk (apt-get install wrk).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then data_arg="$1"; shift; else data_arg=""; fi
data="$(cd "${data_arg:-${TANDEM_JD_SAMPLE:-$root/../shared/jd-sample}}" && pwd)"
command -v wrk >/dev/null || { echo "bench-serving: needs wrk (apt-get install wrk)" >&2; exit 2; }
cd "$root"
mvn -B -ntp -q -DskipTests -pl online-server,pipelines -am install
mvn -B -ntp -q -pl pipelines -Pbench test-compile exec:exec@serving -Dbench.args="$data $*"
