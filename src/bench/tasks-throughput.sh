#!/usr/bin/env bash
# The task engine benchmark on PostgreSQL: first a raw FOR UPDATE SKIP LOCKED claim loop (the
# baseline, measured in this run), then no-op tasks submitted in batches and run to completion by
# one FineHero server. Writes src/bench/results/tasks-throughput.json.
# Usage: src/bench/tasks-throughput.sh [tasks] [warm-up tasks]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
tasks="${1:-50000}" warmup="${2:-30000}"
port=18283
pg_url=jdbc:postgresql://127.0.0.1:5432/test
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
work="$(mktemp -d)"
flags=()
if [ "$(finehero_java_major "$JAVA_HOME")" -ge 24 ]; then flags+=(--sun-misc-unsafe-memory-access=allow); fi
bench_cp="$root/bench/target/finehero-bench-0.1.0-SNAPSHOT.jar:$root/bench/target/libs/*"
server=""
cleanup() {
  [ -n "$server" ] && { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  psql -h 127.0.0.1 -U postgres test -qc 'DROP SCHEMA IF EXISTS bench_tasks CASCADE' >/dev/null 2>&1 || true
  # a failed run shows why the server failed, not only the client's connection refusals
  if [ "${finished:-no}" = no ] && [ -f "$work/server.log" ]; then echo "server log (last 40 lines):" >&2; tail -40 "$work/server.log" >&2; fi
  rm -rf "$work"
}
trap cleanup EXIT
run() { "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" "$@"; }
psql -h 127.0.0.1 -U postgres test -qc 'DROP SCHEMA IF EXISTS bench_tasks CASCADE' >/dev/null 2>&1 || true

run com.finehero.bench.TaskThroughputBench baseline "$pg_url" postgres "$tasks" 4 "$work/baseline.json"

(cd "$work" && exec env SERVER_PORT=$port FINEHERO_DB_URL=$pg_url FINEHERO_DB_USER=postgres FINEHERO_DB_SCHEMA=bench_tasks \
    FINEHERO_DB_POOL_MAX=16 FINEHERO_TASKS_WORKERS=256 FINEHERO_TASKS_CLAIM_dash_BATCH=200 \
    FINEHERO_TASKS_SCHEDULES_OVERDUE_dash_SWEEP="" \
    "$JAVA_HOME/bin/java" "${flags[@]}" -jar "$root/server/target/finehero-server.jar" >>"$work/server.log" 2>&1) &
server=$!
for _ in $(seq 1 600); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/observe/health/ready")" = 200 ] && break
  sleep 0.1
done
run com.finehero.bench.TaskThroughputBench measure 127.0.0.1 $port "$tasks" "$warmup" "$work/measure.json"
run com.finehero.bench.TaskThroughputBench report "$work/baseline.json" "$work/measure.json" "$root/src/bench/results/tasks-throughput.json"
finished=yes
