#!/usr/bin/env bash
# The server's reliability scenarios (see ReliabilityBenchmark), on the data's state with the
# default model and default settings; the server in its own process, Redis a child process on
# loopback (append-only with fsync always for `events`).
#   ci/bench-reliability.sh [DATA_DIR] --scenario overload [--connections 4]   # wrk: 10 s, 30 s at 3x that rate, recovery
#   ci/bench-reliability.sh [DATA_DIR] --scenario soak [--connections 4] [--minutes 10]   # at 80 % of the maximum rate
#   ci/bench-reliability.sh [DATA_DIR] --scenario events [--events 100000]  # Redis killed and restarted once
#   ci/bench-reliability.sh [DATA_DIR] --scenario large-events [--rows-per-call 1000]   # readers beside large /events calls
#   ci/bench-reliability.sh [DATA_DIR] --scenario cluster [--seconds 40]   # 3 + 3 Redis Cluster, a master killed
# Needs wrk and redis-server. Default DATA_DIR: $TANDEM_JD_SAMPLE or ../shared/jd-sample. Reports go to pipelines/target/bench-reliability/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then data_arg="$1"; shift; else data_arg=""; fi
data="$(cd "${data_arg:-${TANDEM_JD_SAMPLE:-$root/../shared/jd-sample}}" && pwd)"
cd "$root"
mvn -B -ntp -q -DskipTests -pl online-server,pipelines -am install
mvn -B -ntp -q -pl pipelines -Pbench test-compile exec:exec@reliability -Dbench.args="$data $*"
