#!/usr/bin/env bash
# /recommend under load: wrk (another process, on loopback) at 1 and 4 connections, 100 candidates
# per call. Uses the files of `./tandem demo` (WORK, default tandem-demo/): its data and model. Starts
# its own redis-server and server on free loopback ports, materializes the state, measures, stops both.
#   ci/bench-serving.sh [WORK]       (DURATION=20s by default; needs wrk, redis-server, python3, curl)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(cd "${1:-$root/tandem-demo}" && pwd)"
duration="${DURATION:-20s}"
spec="$root/feature-spec/specs/jd.yaml"
tmp="$(mktemp -d)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
redis_port="$(free_port)"
server_port="$(free_port)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -f "$tmp/redis.pid" ] && kill "$(cat "$tmp/redis.pid")" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "$tmp/redis.pid" --dir "$tmp" --logfile "$tmp/redis.log"
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done
"$root/tandem" materialize --spec "$spec" --data "$work/data" --redis "redis://127.0.0.1:$redis_port" --grace-seconds 0 \
  | grep -E '^materialize:'
"$root/tandem" serve --spec "$spec" --model "$work/model" --redis "redis://127.0.0.1:$redis_port" --port "$server_port" \
  > "$tmp/server.log" 2>&1 &
server_pid=$!
until grep -q 'listening on' "$tmp/server.log"; do sleep 0.2; kill -0 "$server_pid"; done
base="http://127.0.0.1:$server_port"

# A user with history (the first stored user key) and 100 candidates: the server's own recall for that user.
user="$(redis-cli -p "$redis_port" --scan --pattern 'tandem:jd:1:g*:s:flattenRequest_clean:user_id:*' | sed -n 1p \
  | python3 -c 'import sys, urllib.parse; print(urllib.parse.unquote(sys.stdin.read().strip().rsplit(":", 1)[1]))')"
time="2016-04-16T12:00:00Z"
recall="$(curl -s "$base/recommend" -H 'Content-Type: application/json' -d "{\"user_id\": \"$user\", \"n\": 100, \"event_time\": \"$time\"}")"
body="$(python3 -c 'import json, sys; a = json.loads(sys.argv[1]); items = [i["item"] for i in a["items"]][:100]
print(json.dumps({"user_id": sys.argv[2], "candidates": items, "n": 10, "event_time": sys.argv[3]}))' "$recall" "$user" "$time")"
candidates="$(python3 -c 'import json, sys; print(len(json.loads(sys.argv[1])["candidates"]))' "$body")"
cat > "$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[$body]]
LUA
echo "user $user, $candidates candidates per call, $duration per run"
for connections in 1 4; do
  threads=$(( connections < 2 ? 1 : 2 ))
  wrk -t"$threads" -c"$connections" -d5s -s "$tmp/post.lua" "$base/recommend" >/dev/null   # warm-up
  echo "== $connections connection(s)"
  wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$tmp/post.lua" "$base/recommend" \
    | grep -E 'Requests/sec|^ +50%|^ +99%|Non-2xx|Socket errors'
done
