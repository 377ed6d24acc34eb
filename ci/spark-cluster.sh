#!/usr/bin/env bash
# A real Spark standalone cluster on this machine, started from the CLI jar alone (it bundles Spark
# 3.5): one master, one worker, then `spark-submit` of tandem.jar in client mode. The executors run in
# their own JVMs, launched by the worker, as on any cluster; only the storage (a local path every
# process sees) is special. Computes the JD features and prints the job's summary.
# Usage: ci/spark-cluster.sh [OUT]   (default /tmp/tandem-cluster-out; data: TANDEM_JD_SAMPLE or ../shared/jd-sample)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-/tmp/tandem-cluster-out}"
data="${TANDEM_JD_SAMPLE:-../shared/jd-sample}"
./tandem --version > /dev/null # builds the jar when needed
jar="$PWD/pipelines/target/tandem.jar"
opens=$(sed -n 's/.*<tandem.addOpens>\(.*\)<\/tandem.addOpens>.*/\1/p' pom.xml)

# The worker launches executors with SPARK_HOME/jars on their class path: the CLI jar is all they need.
home=$(mktemp -d)
mkdir -p "$home/jars"
ln -s "$jar" "$home/jars/tandem.jar"
export SPARK_HOME="$home" SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.12
java $opens -Xmx512m -cp "$jar" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 7077 --webui-port 8090 \
    > "$home/master.log" 2>&1 &
master=$!
java $opens -Xmx512m -cp "$jar" org.apache.spark.deploy.worker.Worker spark://127.0.0.1:7077 --host 127.0.0.1 \
    --cores 2 --memory 3g --webui-port 8091 --work-dir "$home/work" > "$home/worker.log" 2>&1 &
worker=$!
trap 'kill $worker $master 2> /dev/null; wait 2> /dev/null; rm -rf "$home"' EXIT
for _ in $(seq 60); do
  curl -s http://127.0.0.1:8090/json/ 2> /dev/null | grep -q '"aliveworkers" : 1' && break
  sleep 1
done

java $opens -Xmx2g -cp "$jar" org.apache.spark.deploy.SparkSubmit --master spark://127.0.0.1:7077 --deploy-mode client \
    --class dev.tandem.pipelines.TandemCli --conf "spark.executor.extraJavaOptions=$opens" --executor-memory 2g "$jar" \
    features --spec feature-spec/specs/jd.yaml --data "$data" --out "$out" --overwrite \
    --runner spark --sparkMaster=spark://127.0.0.1:7077 2>&1 | grep -v -E '^\[|^\s+at |^progress'
