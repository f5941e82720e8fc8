#!/usr/bin/env bash
# The cache benchmark on PostgreSQL + Redis: loads 10 000 fines and 2 000 documents, then runs
# the same Zipf read mix against a fresh server with the cache off and again with it on, plus
# low-concurrency GetDocument latency and a search load; the cache-on run is repeated in the relaxed
# near-cache mode (near copies trusted for 100 ms). Writes src/bench/results/cache.json.
# Usage: src/bench/cache.sh [seconds]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
seconds="${1:-20}"
port=18282
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
work="$(mktemp -d)"
flags=()
if [ "$(finehero_java_major "$JAVA_HOME")" -ge 24 ]; then flags+=(--sun-misc-unsafe-memory-access=allow); fi
server=""
start_server() { # $1 = cache enabled, $2 = phase (its own Redis prefix: the measured run starts cold), $3 = near window
  (cd "$work" && exec env SERVER_PORT=$port FINEHERO_DB_URL=jdbc:postgresql://127.0.0.1:5432/test FINEHERO_DB_USER=postgres \
      FINEHERO_DB_SCHEMA=bench_cache FINEHERO_DB_POOL_MAX=16 FINEHERO_REDIS_ADDRESS=redis://127.0.0.1:6379 \
      FINEHERO_REDIS_PREFIX="bench-cache-$$-$2" FINEHERO_CACHE_ENABLED="$1" \
      FINEHERO_CACHE_NEAR_dash_TRUSTED_dash_FOR="${3:-PT0S}" \
      "$JAVA_HOME/bin/java" "${flags[@]}" -jar "$root/server/target/finehero-server.jar" >>"$work/server.log" 2>&1) &
  server=$!
  for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/observe/health/ready")" = 200 ] && return 0
    sleep 0.1
  done
  echo "server did not become ready; see $work/server.log" >&2; exit 1
}
stop_server() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
cleanup() {
  stop_server
  psql -h 127.0.0.1 -U postgres test -qc 'DROP SCHEMA IF EXISTS bench_cache CASCADE' >/dev/null 2>&1 || true
  redis-cli --scan --pattern "bench-cache-$$-*" 2>/dev/null | xargs -r redis-cli del >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql -h 127.0.0.1 -U postgres test -qc 'DROP SCHEMA IF EXISTS bench_cache CASCADE' >/dev/null 2>&1 || true
run() { "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" "$@"; }

start_server true load
run com.finehero.bench.CacheBench load 127.0.0.1 $port "$work/ids.txt"
stop_server

start_server false off
run com.finehero.bench.CacheBench measure 127.0.0.1 $port "$work/ids.txt" cache_off "$seconds" "$work/off.json"
stop_server

start_server true on
run com.finehero.bench.CacheBench measure 127.0.0.1 $port "$work/ids.txt" cache_on "$seconds" "$work/on.json"
stop_server

start_server true relaxed PT0.1S
run com.finehero.bench.CacheBench measure 127.0.0.1 $port "$work/ids.txt" cache_on_relaxed "$seconds" "$work/relaxed.json"
stop_server

run 'com.finehero.bench.CacheBench$Report' "$work/off.json" "$work/on.json" "$work/relaxed.json" "$root/src/bench/results/cache.json"
