#!/usr/bin/env bash
# A real Spark standalone cluster on this machine, started from the CLI jar alone (it bundles Spark
# 3.5): one master, one worker, then `spark-submit` of tandem.jar in client mode. The executors run in
# their own JVMs, launched by the worker, as on any cluster; only the storage (a local path every
# process sees) is special. Computes the JD features and prints the job's summary.
#
# Every process has its own address, as on separate hosts: master 127.0.0.2, worker and its executors
# 127.0.0.3, driver 127.0.0.4 (each told only its own, by SPARK_LOCAL_IP). Where the script may (root
# and `unshare`), they run in a private network namespace whose loopback holds only those three
# addresses: 127.0.0.1 does not exist there, so nothing works by assuming it. The script then checks
# that the executors were sent to the driver at 127.0.0.4.
# Usage: ci/spark-cluster.sh [OUT]   (default /tmp/tandem-cluster-out; data: TANDEM_JD_SAMPLE or ../shared/jd-sample)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-/tmp/tandem-cluster-out}"
data="${TANDEM_JD_SAMPLE:-../shared/jd-sample}"
master_ip=127.0.0.2 worker_ip=127.0.0.3 driver_ip=127.0.0.4

if [ -z "${TANDEM_CLUSTER_NAMESPACE:-}" ]; then
  ./tandem --version > /dev/null # builds the jar when needed (here: Maven may need the network)
  if [ "$(id -u)" = 0 ] && unshare --net true 2> /dev/null; then
    exec unshare --net env TANDEM_CLUSTER_NAMESPACE=1 "$PWD/ci/spark-cluster.sh" "$@"
  fi
  echo "spark-cluster: no private network namespace (needs root and unshare); 127.0.0.1 stays reachable"
else
  ip link set lo up
  ip address del 127.0.0.1/8 dev lo
  for ip in $master_ip $worker_ip $driver_ip; do ip address add "$ip/32" dev lo; done
  echo "spark-cluster: private network namespace, loopback addresses: $(ip -4 -o address show lo | awk '{print $4}' | xargs)"
fi
jar="$PWD/pipelines/target/tandem.jar"
opens=$(sed -n 's/.*<tandem.addOpens>\(.*\)<\/tandem.addOpens>.*/\1/p' pom.xml)

# The worker launches executors with SPARK_HOME/jars on their class path: the CLI jar is all they need.
home=$(mktemp -d)
mkdir -p "$home/jars"
ln -s "$jar" "$home/jars/tandem.jar"
export SPARK_HOME="$home" SPARK_SCALA_VERSION=2.12
SPARK_LOCAL_IP=$master_ip java $opens -Xmx512m -cp "$jar" org.apache.spark.deploy.master.Master \
    --host $master_ip --port 7077 --webui-port 8090 > "$home/master.log" 2>&1 &
master=$!
# The worker logs each executor's launch command (with the driver's address, checked below).
SPARK_LOCAL_IP=$worker_ip java $opens -Xmx512m -Dorg.slf4j.simpleLogger.log.org.apache.spark.deploy.worker.ExecutorRunner=info \
    -cp "$jar" org.apache.spark.deploy.worker.Worker \
    spark://$master_ip:7077 --host $worker_ip --cores 2 --memory 3g --webui-port 8091 --work-dir "$home/work" \
    > "$home/worker.log" 2>&1 &
worker=$!
trap 'kill $worker $master 2> /dev/null; wait 2> /dev/null; rm -rf "$home"' EXIT
for _ in $(seq 60); do
  curl -s http://$master_ip:8090/json/ 2> /dev/null | grep -q '"aliveworkers" : 1' && break
  sleep 1
done

start=$SECONDS
SPARK_LOCAL_IP=$driver_ip java $opens -Xmx2g -cp "$jar" org.apache.spark.deploy.SparkSubmit \
    --master spark://$master_ip:7077 --deploy-mode client --class dev.tandem.pipelines.TandemCli \
    --conf "spark.executor.extraJavaOptions=$opens" --executor-memory 2g "$jar" \
    features --spec feature-spec/specs/jd.yaml --data "$data" --out "$out" --overwrite \
    --runner spark --sparkMaster=spark://$master_ip:7077 2>&1 | grep -v -E '^\[|^\s+at |^progress'
echo "spark-cluster: spark-submit took $((SECONDS - start)) s"

# Where the worker sent its executors to find the driver (its launch command's --driver-url).
driver=$(grep -o 'CoarseGrainedScheduler@[^":]*:[0-9]*' "$home/worker.log" | sort -u | sed 's/.*@//')
echo "spark-cluster: master $master_ip, worker $worker_ip, executors reached the driver at ${driver:-?}"
case "$driver" in
  "$driver_ip":*) ;;
  *) echo "spark-cluster: the driver was not at $driver_ip" >&2; exit 1 ;;
esac
