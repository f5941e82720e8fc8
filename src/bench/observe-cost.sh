#!/usr/bin/env bash
# What observing every call costs: cache-hit GetFine over gRPC against fresh servers with
# RED metrics off, metrics on, and metrics + access log on, in alternating rounds. Writes
# src/bench/results/observe-cost.json with each mode's median throughput and its ratio to "off".
# Usage: src/bench/observe-cost.sh [rounds] [seconds]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
rounds="${1:-3}" seconds="${2:-10}"
port=18383
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
work="$(mktemp -d)"
flags=()
if [ "$(finehero_java_major "$JAVA_HOME")" -ge 24 ]; then flags+=(--sun-misc-unsafe-memory-access=allow); fi
server=""
stop_server() { [ -n "$server" ] && { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }; server=""; }
trap 'stop_server; psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS bench_observe CASCADE" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
run_mode() { # $1 label, $2 metrics, $3 access log
  (cd "$work" && exec env SERVER_PORT=$port FINEHERO_DB_URL=jdbc:postgresql://127.0.0.1:5432/test FINEHERO_DB_USER=postgres \
      FINEHERO_DB_SCHEMA=bench_observe FINEHERO_REDIS_ADDRESS=redis://127.0.0.1:6379 FINEHERO_REDIS_PREFIX=bench-observe \
      FINEHERO_OBSERVE_METRICS="$2" FINEHERO_OBSERVE_ACCESS_dash_LOG="$3" \
      "$JAVA_HOME/bin/java" "${flags[@]}" -jar "$root/server/target/finehero-server.jar" >"$work/server.log" 2>&1) &
  server=$!
  for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/observe/health/ready")" = 200 ] && break
    sleep 0.1
  done
  "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" \
    com.finehero.bench.GetFineLoad 127.0.0.1 $port 32 8 "$seconds" "$1" "$work/runs.ndjson"
  stop_server
}
for _ in $(seq 1 "$rounds"); do
  run_mode off false false
  run_mode metrics true false
  run_mode metrics+access-log true true
done
bench_ratio_report "$work/runs.ndjson" "$root/src/bench/results/observe-cost.json" observe_cost_getfine_grpc off "$rounds" "$seconds" \
  '{"target": {"metrics_cost_max": 0.05}}'
