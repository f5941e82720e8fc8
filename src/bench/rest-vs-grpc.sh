#!/usr/bin/env bash
# GetFine over REST and over gRPC at the same concurrency against one freshly started FineHero:
# writes src/bench/results/rest-vs-grpc-<mode>.json with both figures and their ratios.
# Usage: src/bench/rest-vs-grpc.sh [embedded|postgres] [concurrency] [seconds] [rounds]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
mode="${1:-postgres}" concurrency="${2:-32}" seconds="${3:-10}" rounds="${4:-3}"
port=18181
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
work="$(mktemp -d)"
flags=()
if [ "$(finehero_java_major "$JAVA_HOME")" -ge 24 ]; then flags+=(--sun-misc-unsafe-memory-access=allow); fi
env_vars=(SERVER_PORT=$port)
if [ "$mode" = postgres ]; then
  env_vars+=(FINEHERO_DB_URL=jdbc:postgresql://127.0.0.1:5432/test FINEHERO_DB_USER=postgres
             FINEHERO_DB_SCHEMA=bench_rest FINEHERO_REDIS_ADDRESS=redis://127.0.0.1:6379 FINEHERO_REDIS_PREFIX=bench-rest)
fi
(cd "$work" && exec env "${env_vars[@]}" "$JAVA_HOME/bin/java" "${flags[@]}" -jar "$root/server/target/finehero-server.jar" >"$work/server.log" 2>&1) &
server=$!
cleanup() {
  kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true
  [ "$mode" = postgres ] && psql -h 127.0.0.1 -U postgres test -qc 'DROP SCHEMA IF EXISTS bench_rest CASCADE' >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 200); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/observe/health/ready")" = 200 ] && break
  sleep 0.1
done
"$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" \
  com.finehero.bench.RestVsGrpc 127.0.0.1 "$port" "$concurrency" "${WARMUP_SECONDS:-8}" "$seconds" "$rounds" \
  "$root/src/bench/results/rest-vs-grpc-$mode.json"
