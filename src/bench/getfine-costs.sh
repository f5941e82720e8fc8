#!/usr/bin/env bash
# What the Redis round trips of a cache-hit GetFine cost: one secured FineHero (PostgreSQL + Redis, JWT,
# as peers.sh runs it) started once per mode, GetFine over gRPC with h2load (one connection, 64
# streams), modes in alternating rounds after a warm-up each:
#   default         rate limits on (per address, per identity, global: Redis buckets), every cached read
#                   confirmed against Redis (finehero.cache.near-trusted-for PT0S)
#   no-rate-limits  finehero.security.rate-limits.enabled=false
#   no-redis-reads  rate limits off and near copies trusted for 100 ms (no confirmation round trip on a hit)
#   baseline        only with FINEHERO_BENCH_BASELINE=<revision>: that revision's jar with default settings,
#                   so a change is measured against what it replaces in the same run
#   no-jvm-options  as default, but the JVM started without server/jvm.options and server/jvm.env (every
#                   other mode starts with both, as bin/finehero-server and the image do): what they cost
#                   under load
#   concurrent-idle-gc  as default, but the idle collection a concurrent cycle
#                   (-XX:+G1PeriodicGCInvokesConcurrent) and glibc's default malloc arenas (no
#                   server/jvm.env): what the full idle collection and the single arena cost under load
#   no-native-trim  as default, with server/jvm.options but its native-heap trim off (TrimNativeHeapInterval=0):
#                   what the trim alone costs under load
#   floor           not FineHero: the bench module's Helidon server answering GetFine from memory, every read
#                   confirmed against Redis first (HelidonPeer with ReadConfirmationFloor), the least a
#                   server keeping FineHero's read-your-writes does; its JSON printed as FineHero prints it
#   compile-thresholds-x4  as default, with the JIT compiling a method only once it has run four times as
#                   often (-XX:CompileThresholdScaling=4, which starts the server sooner): what the later
#                   compilations cost under load (run it with a warm-up of 1 s to see the first seconds)
# (FINEHERO_BENCH_MODES="default ..." picks the non-baseline ones; every other round runs the modes
# backwards, so none always goes first) and the Redis commands each call cost (INFO commandstats before
# and after the window; an EVAL and the command its script runs count as two), and the server's CPU time
# per call (user + system from /proc over the same window: what each call costs, however the box's other
# load moved the throughput).
# With FINEHERO_BENCH_PROTOCOL=rest the load is REST instead (wrk, 64 connections, GET /v1/fines/{id}).
# With FINEHERO_BENCH_AUTH=false every mode runs with security off (finehero.auth.enabled=false, the setting of
# peers.sh's finehero-off that is compared with Armeria), so no JWT check and no rate limit; the load still
# sends the admin's token, which goes unchecked (peers.sh sends none, so REST there forwards one header less).
# Writes src/bench/results/getfine-costs.json (getfine-costs-rest.json for REST; FINEHERO_BENCH_RESULT=name
# writes name.json instead): every round, the medians, each mode against default.
# Usage: [FINEHERO_BENCH_PROTOCOL=grpc|rest] [FINEHERO_BENCH_AUTH=true|false] [FINEHERO_BENCH_MODES=...] src/bench/getfine-costs.sh [rounds=2] [seconds=10] [warm-up seconds=20]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
rounds="${1:-2}" seconds="${2:-10}" warmup="${3:-20}"
protocol="${FINEHERO_BENCH_PROTOCOL:-grpc}"
case "$protocol" in grpc) out_name=getfine-costs ;; rest) out_name=getfine-costs-rest ;;
  *) echo "getfine-costs: FINEHERO_BENCH_PROTOCOL is grpc or rest, not $protocol" >&2; exit 2 ;; esac
out_name="${FINEHERO_BENCH_RESULT:-$out_name}"
auth_enabled="${FINEHERO_BENCH_AUTH:-true}"
case "$auth_enabled" in true|false) ;; *) echo "getfine-costs: FINEHERO_BENCH_AUTH is true or false, not $auth_enabled" >&2; exit 2 ;; esac
port=18791 schema=bench_getfine_costs
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
read -r -a modes <<<"${FINEHERO_BENCH_MODES:-default no-rate-limits no-redis-reads}"
baseline_jar=""
if [ -n "${FINEHERO_BENCH_BASELINE:-}" ]; then
  baseline_jar="$(bench_jar_of "$FINEHERO_BENCH_BASELINE")"
  modes=(baseline "${modes[@]}")
fi
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
work="$(mktemp -d)"
server=""
stop_server() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""; fi
}
cleanup() {
  stop_server
  psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  redis-cli -p 6379 --scan --pattern "$schema*" | xargs -r redis-cli -p 6379 del >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
flags=(--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED) # the floor's JVM, as bench_start_finehero starts FineHero
clock_ticks="$(getconf CLK_TCK)"
redis_calls() { redis-cli -p 6379 info commandstats | awk -F'[:=,]' '/^cmdstat_/ {n += $3} END {print n}'; }
start_server() { # $1 mode
  local extra=() java=() jar="$root/server/target/finehero-server.jar" without=()
  [ "$1" = baseline ] && jar="$baseline_jar"
  [ "$1" = no-jvm-options ] && without=(--no-jvm-options --no-jvm-env)
  [ "$1" = concurrent-idle-gc ] && java=(-XX:+G1PeriodicGCInvokesConcurrent) without=(--no-jvm-env)   # the later option wins
  [ "$1" = no-native-trim ] && java=(-XX:TrimNativeHeapInterval=0)   # the later option wins
  [ "$1" = compile-thresholds-x4 ] && java=(-XX:CompileThresholdScaling=4)
  case "$1" in
    no-rate-limits) extra=(FINEHERO_SECURITY_RATE_dash_LIMITS_ENABLED=false) ;;
    no-redis-reads) extra=(FINEHERO_SECURITY_RATE_dash_LIMITS_ENABLED=false FINEHERO_CACHE_NEAR_dash_TRUSTED_dash_FOR=PT0.1S) ;;
  esac
  if [ "$1" = floor ]; then
    (exec "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" \
        com.finehero.bench.HelidonPeer "$port" redis://127.0.0.1:6379 >"$work/server-floor.log" 2>&1) &
    server=$!
    for _ in $(seq 1 600); do
      [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/fines/00000000-0000-0000-0000-000000000001")" = 200 ] && return 0
      sleep 0.2
    done
    echo "getfine-costs: the floor did not start; see $work/server-floor.log" >&2; exit 1
  fi
  bench_start_finehero "${without[@]}" "$jar" "$port" "$schema" "$work/server-$1.log" \
      FINEHERO_AUTH_ENABLED="$auth_enabled" "${extra[@]}" -- "${java[@]}"
  server=$bench_started
  bench_await_ready "$port" \
    || { echo "getfine-costs: the server ($1) did not become ready; see $work/server-$1.log" >&2; exit 1; }
}
fine=""
for round in $(seq 1 "$rounds"); do
  order=("${modes[@]}")
  if [ $((round % 2)) = 0 ]; then # every other round backwards, so no mode always runs first
    order=()
    for ((i = ${#modes[@]} - 1; i >= 0; i--)); do order+=("${modes[i]}"); done
  fi
  for mode in "${order[@]}"; do
    if [ "$mode" = floor ] && [ -z "$fine" ]; then # FineHero's first start makes the fine: the floor goes later
      echo "getfine-costs: the floor runs beside FineHero's modes, not first (FINEHERO_BENCH_MODES=\"default floor\")" >&2; exit 2
    fi
    start_server "$mode"
    auth="x-bench: floor"
    [ "$mode" = floor ] || auth="authorization: Bearer $(bench_admin_token "http://127.0.0.1:$port")"
    if [ -z "$fine" ]; then
      fine="$(curl -sf -X POST "http://127.0.0.1:$port/v1/fines" -H "$auth" -H 'Content-Type: application/json' -d '{
          "citationNumber": "COSTS-1", "jurisdiction": "LOAD", "violationCode": "L",
          "amount": {"currencyCode": "USD", "amountMinor": "100"},
          "issueTime": "2026-01-01T00:00:00Z", "dueTime": "2026-02-01T00:00:00Z"}' | json '["id"]')"
      bench_grpc_string_request "$work/get.bin" "$fine"
    fi
    grpc="http://127.0.0.1:$port/finehero.fines.v1.FinesService/GetFine"
    bench_grpc_check "$grpc" "$work/get.bin" "$auth"
    if [ "$protocol" = rest ]; then
      rest="http://127.0.0.1:$port/v1/fines/$fine"
      bench_wrk_get warm-up "$rest" "$warmup" 64 /dev/null "$auth" >/dev/null
      before="$(redis_calls)" cpu_before="$(bench_cpu_ticks "$server")"
      bench_wrk_get "$mode" "$rest" "$seconds" 64 "$work/runs.ndjson" "$auth" >/dev/null
    else
      bench_h2load_grpc warm-up "$grpc" "$work/get.bin" "$warmup" 64 /dev/null "$auth" >/dev/null
      before="$(redis_calls)" cpu_before="$(bench_cpu_ticks "$server")"
      bench_h2load_grpc "$mode" "$grpc" "$work/get.bin" "$seconds" 64 "$work/runs.ndjson" "$auth" >/dev/null
    fi
    after="$(redis_calls)" cpu_after="$(bench_cpu_ticks "$server")"
    echo "{\"mode\": \"$mode\", \"round\": $round, \"redis_commands\": $((after - before)), \"server_cpu_ticks\": $((cpu_after - cpu_before)), \"clock_ticks\": $clock_ticks}" >>"$work/redis.ndjson"
    tail -n 1 "$work/runs.ndjson"
    stop_server
  done
done
FINEHERO_BENCH_BASELINE_COMMIT="${FINEHERO_BENCH_BASELINE:+$(git -C "$root" rev-parse "$FINEHERO_BENCH_BASELINE")}" \
  python3 - "$work" "$root/src/bench/results/$out_name.json" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)" "$rounds" "$seconds" "$protocol" "$auth_enabled" <<'PY'
import json, sys, os, statistics, datetime
work, out, load_start, load_end, rounds, seconds, protocol, auth = sys.argv[1:9]
runs = [json.loads(l) for l in open(os.path.join(work, "runs.ndjson"))]
redis = [json.loads(l) for l in open(os.path.join(work, "redis.ndjson"))]
modes = {}
for run, r in zip(runs, redis):
    run["redis_commands_per_call"] = round(r["redis_commands"] / max(1, run["calls"]), 2)
    run["server_cpu_us_per_call"] = round(r["server_cpu_ticks"] * 1e6 / r["clock_ticks"] / max(1, run["calls"]), 2)
    modes.setdefault(run["name"], []).append(run)
summary = {}
for mode, rs in modes.items():
    summary[mode] = {"median_calls_per_second": statistics.median(r["calls_per_second"] for r in rs),
                     "median_p99_ms": statistics.median(r["p99_ms"] for r in rs),
                     "redis_commands_per_call": statistics.median(r["redis_commands_per_call"] for r in rs),
                     "median_server_cpu_us_per_call": statistics.median(r["server_cpu_us_per_call"] for r in rs),
                     "rounds": rs}
base = summary["default"]["median_calls_per_second"]
for mode in summary:
    summary[mode]["vs_default"] = round(summary[mode]["median_calls_per_second"] / base, 3)
    summary[mode]["cpu_per_call_vs_default"] = round(summary[mode]["median_server_cpu_us_per_call"]
                                                     / summary["default"]["median_server_cpu_us_per_call"], 3)
result = {"benchmark": "getfine_costs", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
          "machine": {"cpus": os.cpu_count(), "load_average_start": load_start, "load_average_end": load_end},
          "how": ("secured" if auth == "true" else "security off (finehero.auth.enabled=false): no JWT, no rate limits;") + " FineHero on PostgreSQL + Redis, cache-hit GetFine, "
                 + ("REST, wrk -t 1 -c 64" if protocol == "rest" else "h2load -c 1 -m 64") + f", {rounds} alternating rounds of {seconds} s after a warm-up per start; Redis commands from INFO commandstats over each window (the whole server's, background work included); INFO commandstats counts an EVAL and each command its script runs, so the version check's one round trip shows as 2; server CPU per call is the server process's user + system time over the window (/proc/<pid>/stat) over the calls made in it; the floor (if run) is the bench module's HelidonPeer with every read confirmed against Redis, not FineHero",
          "baseline_revision": os.environ.get("FINEHERO_BENCH_BASELINE_COMMIT"),
          "modes": summary}
json.dump(result, open(out, "w"), indent=2)
print(json.dumps({m: {k: v for k, v in s.items() if k != "rounds"} for m, s in summary.items()}, indent=1))
PY
