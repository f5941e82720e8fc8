#!/usr/bin/env bash
# What security costs per call: cache-hit GetFine over gRPC on three servers started side by side —
# security off, a JWT access token, an API key (authentication, the contract's access check and the
# rate limits in Redis all on) — measured in alternating rounds with h2load (one connection, 64
# streams), and once more with the project's own event-loop Java client as a second instrument.
# Writes src/bench/results/security-cost.json: each mode's median round and its ratio to "off".
# Usage: src/bench/security-cost.sh [rounds] [seconds] [warm-up seconds]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
rounds="${1:-5}" seconds="${2:-10}" warmup="${3:-20}"
streams=64
command -v h2load >/dev/null || { echo "security-cost: needs h2load (Debian's nghttp2-client)" >&2; exit 1; }
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
work="$(mktemp -d)"
flags=(--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED)
declare -A port=([off]=18384 [jwt]=18385 [api-key]=18386)
declare -A auth_header
pids=()
drop_schemas() { for m in off jwt api_key; do psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS bench_security_$m CASCADE" >/dev/null 2>&1 || true; done; }
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  drop_schemas; rm -rf "$work"
}
trap cleanup EXIT
drop_schemas
start() { # $1 mode, $2 auth enabled
  local schema="bench_security_${1//-/_}"
  (cd "$work" && exec env SERVER_PORT=${port[$1]} FINEHERO_DB_URL=jdbc:postgresql://127.0.0.1:5432/test FINEHERO_DB_USER=postgres \
      FINEHERO_DB_SCHEMA="$schema" FINEHERO_REDIS_ADDRESS=redis://127.0.0.1:6379 FINEHERO_REDIS_PREFIX="$schema" \
      FINEHERO_AUTH_ENABLED="$2" "$JAVA_HOME/bin/java" "${flags[@]}" -jar "$root/server/target/finehero-server.jar" >"$work/$1.log" 2>&1) &
  pids+=($!)
}
start off false; start jwt true; start api-key true
for mode in off jwt api-key; do
  for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${port[$mode]}/observe/health/ready")" = 200 ] && break
    sleep 0.2
  done
done
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
for mode in off jwt api-key; do
  base="http://127.0.0.1:${port[$mode]}"
  token="$(curl -sf -X POST "$base/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\": \"admin\", \"password\": \"$FINEHERO_BENCH_PASSWORD\"}" | json '["accessToken"]' 2>/dev/null || true)"
  admin=(); [ -n "$token" ] && admin=(-H "authorization: Bearer $token")
  fine="$(curl -sf -X POST "$base/v1/fines" "${admin[@]}" -H 'Content-Type: application/json' -d '{
      "citationNumber": "SEC-COST-1", "jurisdiction": "LOAD", "violationCode": "L",
      "amount": {"currencyCode": "USD", "amountMinor": "100"},
      "issueTime": "2026-01-01T00:00:00Z", "dueTime": "2026-02-01T00:00:00Z"}' | json '["id"]')"
  case "$mode" in
    off) auth_header[$mode]="x-bench: off" ;;
    jwt) auth_header[$mode]="authorization: Bearer $token" ;;
    api-key) auth_header[$mode]="authorization: Bearer $(curl -sf -X POST "$base/v1/api-keys" "${admin[@]}" \
               -H 'Content-Type: application/json' -d '{"name": "bench"}' | json '["secret"]')" ;;
  esac
  bench_grpc_string_request "$work/$mode.bin" "$fine"
  bench_grpc_check "$base/finehero.fines.v1.FinesService/GetFine" "$work/$mode.bin" "${auth_header[$mode]}"
  echo "$mode: $fine" >&2
done
url() { echo "http://127.0.0.1:${port[$1]}/finehero.fines.v1.FinesService/GetFine"; }
for mode in off jwt api-key; do  # warms each server's JIT and fills its caches
  bench_h2load_grpc "warm-up" "$(url $mode)" "$work/$mode.bin" "$warmup" $streams /dev/null "${auth_header[$mode]}" >/dev/null
done
for _ in $(seq 1 "$rounds"); do
  for mode in off jwt api-key; do
    bench_h2load_grpc "$mode" "$(url $mode)" "$work/$mode.bin" "$seconds" $streams "$work/runs.ndjson" "${auth_header[$mode]}" >&2
  done
done
# second instrument: the project's event-loop client, one round per mode at the same concurrency
for mode in off jwt api-key; do
  key=""; [ "$mode" = api-key ] && key="${auth_header[$mode]#authorization: Bearer }"
  FINEHERO_BENCH_API_KEY="$key" "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" com.finehero.bench.GetFineLoad \
    127.0.0.1 "${port[$mode]}" $streams 5 "$seconds" "$mode" "$work/java.ndjson" 2>/dev/null
done
bench_ratio_report "$work/runs.ndjson" "$root/src/bench/results/security-cost.json" security_cost_getfine_grpc off "$rounds" "$seconds" \
  "$(python3 - "$work/java.ndjson" "$streams" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys
java = {r["name"]: r for r in map(json.loads, open(sys.argv[1]))}
off = java["off"]["calls_per_second"]
print(json.dumps({
    "backend": "PostgreSQL + Redis (cache hits; rate limits in Redis)", "instrument": "h2load -c 1 -m %s" % sys.argv[2],
    "concurrency": int(sys.argv[2]), "load_average_at_end": sys.argv[3],
    "target": {"secured_throughput_vs_off_min": 0.85},
    "second_instrument": {"tool": "GetFineLoad (event-loop grpc-java client, one round)",
                          "modes": {m: {"run": r, "throughput_vs_off": round(r["calls_per_second"] / off, 3)} for m, r in java.items()}}}))
PY
)"
