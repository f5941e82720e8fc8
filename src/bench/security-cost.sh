#!/usr/bin/env bash
# What security costs per call: cache-hit GetFine over gRPC against fresh servers with
# security off, with a JWT access token, and with an API key — authentication, the access check from
# the contract and rate limiting (Bucket4j on Redis) all on — in alternating rounds. Writes
# src/bench/results/security-cost.json with each mode's median throughput and its ratio to "off".
# Usage: src/bench/security-cost.sh [rounds] [seconds]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
rounds="${1:-3}" seconds="${2:-10}"
port=18384
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
# rate limits on, but far above what the run makes: the buckets are consulted on every call
export FINEHERO_SECURITY_RATE_dash_LIMITS_PER_dash_IDENTITY=100000000
export FINEHERO_SECURITY_RATE_dash_LIMITS_GLOBAL=100000000
export FINEHERO_SECURITY_RATE_dash_LIMITS_PER_dash_ADDRESS=100000000
work="$(mktemp -d)"
flags=()
if [ "$(finehero_java_major "$JAVA_HOME")" -ge 24 ]; then flags+=(--sun-misc-unsafe-memory-access=allow); fi
server=""
stop_server() { [ -n "$server" ] && { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }; server=""; }
trap 'stop_server; psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS bench_security CASCADE" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS bench_security CASCADE" >/dev/null 2>&1 || true
run_mode() { # $1 label, $2 auth enabled, $3 credential: login | api-key
  (cd "$work" && exec env SERVER_PORT=$port FINEHERO_DB_URL=jdbc:postgresql://127.0.0.1:5432/test FINEHERO_DB_USER=postgres \
      FINEHERO_DB_SCHEMA=bench_security FINEHERO_REDIS_ADDRESS=redis://127.0.0.1:6379 FINEHERO_REDIS_PREFIX=bench-security \
      FINEHERO_AUTH_ENABLED="$2" \
      "$JAVA_HOME/bin/java" "${flags[@]}" -jar "$root/server/target/finehero-server.jar" >"$work/server.log" 2>&1) &
  server=$!
  for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/observe/health/ready")" = 200 ] && break
    sleep 0.1
  done
  local key=""
  if [ "$3" = api-key ]; then
    token="$(curl -s -X POST "http://127.0.0.1:$port/v1/auth/login" -H 'Content-Type: application/json' \
      -d "{\"username\": \"admin\", \"password\": \"$FINEHERO_BENCH_PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')"
    key="$(curl -s -X POST "http://127.0.0.1:$port/v1/api-keys" -H "authorization: Bearer $token" -H 'Content-Type: application/json' \
      -d '{"name": "bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')"
  fi
  FINEHERO_BENCH_API_KEY="$key" "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$root/bench/target/finehero-bench-0.1.0-SNAPSHOT.jar:$root/bench/target/libs/*" \
    com.finehero.bench.GetFineLoad 127.0.0.1 $port 32 8 "$seconds" "$1" "$work/runs.ndjson"
  stop_server
}
for _ in $(seq 1 "$rounds"); do
  run_mode off false login
  run_mode jwt true login
  run_mode api-key true api-key
done
bench_ratio_report "$work/runs.ndjson" "$root/src/bench/results/security-cost.json" security_cost_getfine_grpc off "$rounds" "$seconds" \
  '{"backend": "PostgreSQL + Redis (cache hits; rate limits in Redis)", "target": {"secured_throughput_vs_off_min": 0.85}}'
