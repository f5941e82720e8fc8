#!/usr/bin/env bash
# Where a cache-hit GetFine's time and allocation go: one secured FineHero (PostgreSQL + Redis, JWT, Redis
# rate limits on, as peers.sh runs it) recorded with JFR (settings=profile) for a window under wrk over
# REST (64 connections) and another under h2load over gRPC (one connection, 64 streams), after a warm-up.
# Writes src/bench/results/getfine-profile.json: per protocol the calls in the window, the CPU samples'
# top frames grouped into FineHero's own code, Helidon, JSON, protobuf, the JDK and the rest, the hottest
# methods, the bytes allocated per call (from the allocation samples, the heap and the TLAB events) by
# caller, the top allocation sites and FineHero's own; and before each JFR window an unrecorded one read off
# /proc and Redis (the server's user and system CPU, its system calls, the load generator's CPU and the
# read confirmation's round trips, per call). With FINEHERO_BENCH_BASELINE=<revision>, that
# revision's server is recorded the same way first, in the same run, as "baseline-rest" and "baseline-grpc".
# Usage: [FINEHERO_BENCH_BASELINE=<revision>] src/bench/getfine-profile.sh [seconds=20] [warm-up seconds=40]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
seconds="${1:-20}" warmup="${2:-40}"
port=18790 schema=bench_profile
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
profile() { # $1 window prefix ("" or "baseline-"), $2 server jar: starts it, warms it up, records a REST and a gRPC window
  psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  # exec: the subshell becomes the server's java, so jcmd reaches it by this pid
  (cd "$work" && exec env SERVER_PORT=$port FINEHERO_DB_URL=jdbc:postgresql://127.0.0.1:5432/test FINEHERO_DB_USER=postgres \
      FINEHERO_DB_SCHEMA=$schema FINEHERO_REDIS_ADDRESS=redis://127.0.0.1:6379 FINEHERO_REDIS_PREFIX=$schema FINEHERO_AUTH_ENABLED=true \
      "$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED -XX:+FlightRecorder \
      -jar "$2" >"$work/server.log" 2>&1) &
  server=$!
  bench_await_ready "$port" || { echo "getfine-profile: the server did not become ready; see $work/server.log" >&2; exit 1; }
  local auth fine grpc rest
  auth="authorization: Bearer $(bench_admin_token "http://127.0.0.1:$port")"
  fine="$(curl -sf -X POST "http://127.0.0.1:$port/v1/fines" -H "$auth" -H 'Content-Type: application/json' -d '{
      "citationNumber": "PROFILE-1", "jurisdiction": "LOAD", "violationCode": "L",
      "amount": {"currencyCode": "USD", "amountMinor": "100"},
      "issueTime": "2026-01-01T00:00:00Z", "dueTime": "2026-02-01T00:00:00Z"}' | json '["id"]')"
  bench_grpc_string_request "$work/get.bin" "$fine"
  grpc="http://127.0.0.1:$port/finehero.fines.v1.FinesService/GetFine" rest="http://127.0.0.1:$port/v1/fines/$fine"
  bench_grpc_check "$grpc" "$work/get.bin" "$auth"
  bench_wrk_get warm-up "$rest" "$warmup" 64 /dev/null "$auth" >/dev/null
  bench_h2load_grpc warm-up "$grpc" "$work/get.bin" "$warmup" 64 /dev/null "$auth" >/dev/null
  costs "$server" "${1}rest" bench_wrk_get costs "$rest" "$seconds" 64 /dev/null "$auth"
  costs "$server" "${1}grpc" bench_h2load_grpc costs "$grpc" "$work/get.bin" "$seconds" 64 /dev/null "$auth"
  bench_jfr_record "$server" "$work" "${1}rest" bench_wrk_get "${1}rest" "$rest" "$seconds" 64 "$work/runs.ndjson" "$auth"
  bench_jfr_record "$server" "$work" "${1}grpc" bench_h2load_grpc "${1}grpc" "$grpc" "$work/get.bin" "$seconds" 64 "$work/runs.ndjson" "$auth"
  kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""
}
# One window with nothing recording, read off /proc and Redis: the server's user and system CPU, its read
# and write system calls, the load generator's CPU (the shell's children's times around it) and Redis's
# version checks (the read confirmation's round trips), each over the window's calls, as a line of
# $work/costs.ndjson. What JFR cannot see: the kernel's share, which is where HTTP/1.1 and HTTP/2 differ.
# Usage: costs pid window load-command [args ...]
costs() {
  local pid="$1" window="$2"; shift 2
  local before after redis_before redis_after runs
  before="$(bench_process_counters "$pid")" redis_before="$(version_checks)"
  runs="$( ("$@"; times) | tail -n 3)"
  after="$(bench_process_counters "$pid")" redis_after="$(version_checks)"
  python3 - "$window" "$before" "$after" "$redis_before" "$redis_after" "$(getconf CLK_TCK)" "$runs" >>"$work/costs.ndjson" <<'PY'
import json, re, sys
window, before, after, rb, ra, ticks, runs = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7].splitlines()
run = json.loads(runs[0])
d = [int(a) - int(b) for a, b in zip(after, before)]  # utime, stime (ticks), syscr, syscw
def seconds(t):
    m, s = re.match(r"(\d+)m([0-9.]+)s", t).groups()
    return int(m) * 60 + float(s)
child_user, child_system = (seconds(t) for t in runs[2].split())
calls = max(1, run["calls"])
print(json.dumps({"window": window, "instrument": run["instrument"], "calls": run["calls"], "errors": run["errors"],
                  "calls_per_second": run["calls_per_second"], "p99_ms": run["p99_ms"],
                  "server_user_cpu_us_per_call": round(d[0] * 1e6 / ticks / calls, 2),
                  "server_system_cpu_us_per_call": round(d[1] * 1e6 / ticks / calls, 2),
                  "server_read_syscalls_per_call": round(d[2] / calls, 3),
                  "server_write_syscalls_per_call": round(d[3] / calls, 3),
                  "load_generator_cpu_us_per_call": round((child_user + child_system) * 1e6 / calls, 2),
                  "redis_version_checks_per_call": round((ra - rb) / calls, 4)}))
PY
}
# a version check reads the version prefix with GETRANGE (VersionChecks); Redis counts it as getrange, also
# where a revision sent it from a script, so the count compares revisions
version_checks() { redis-cli -p 6379 info commandstats | sed -n 's/^cmdstat_getrange:calls=\([0-9]*\),.*/\1/p' | grep . || echo 0; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
windows=()
method="secured FineHero on PostgreSQL + Redis, cache-hit GetFine; JFR settings=profile (CPU sample every 10 ms, allocation samples) with an event per new TLAB, started by jcmd after a warm-up, one window under wrk -c 64 (REST) and one under h2load -c 1 -m 64 (gRPC); bytes per call = allocation over the window's calls (from the allocation samples' weights, from the heap between collections, and from the TLAB events, whose total is exact), by caller = the category of the first frame outside the JDK"
if [ -n "${FINEHERO_BENCH_BASELINE:-}" ]; then
  profile baseline- "$(bench_jar_of "$FINEHERO_BENCH_BASELINE")"
  windows+=(baseline-rest baseline-grpc)
  method="$method; baseline = revision $(git -C "$root" rev-parse "$FINEHERO_BENCH_BASELINE") recorded first in the same run"
fi
profile "" "$root/server/target/finehero-server.jar"
windows+=(rest grpc)
python3 "$root/src/bench/jfr-summary.py" "$work" "$root/src/bench/results/getfine-profile.json" getfine_profile \
    "$method; head = $(git -C "$root" rev-parse HEAD)" \
    "$work/runs.ndjson" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)" "${windows[@]}"
python3 - "$root/src/bench/results/getfine-profile.json" "$work/costs.ndjson" <<'PY'
import json, sys
out, costs = sys.argv[1], [json.loads(line) for line in open(sys.argv[2])]
result = json.load(open(out))
result["unrecorded_windows"] = {
    "how": "before each protocol's JFR window, one window of the same length with nothing recording: the server's user and "
           "system CPU (/proc/<pid>/stat) and read and write system calls (/proc/<pid>/io), the load generator's CPU "
           "(the shell's children's times), and Redis's getrange calls (the read confirmation's version reads, INFO commandstats), "
           "each over the calls answered",
    "windows": {c.pop("window"): c for c in costs}}
json.dump(result, open(out, "w"), indent=2)
print(json.dumps(result["unrecorded_windows"]["windows"], indent=1))
PY
