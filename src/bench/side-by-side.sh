#!/usr/bin/env bash
# The CPU a cache-hit GetFine costs this build of FineHero against a baseline revision's, both serving
# the same load at the same time: two servers (PostgreSQL + Redis, each in a schema and Redis prefix of
# its own, started with server/jvm.options and server/jvm.env), each under a load generator of its own
# (REST: wrk, 64 connections; gRPC: h2load, one connection with 64 streams), the two started together.
# Whatever else the box does during a round, it does to both sides, so the round's ratio of their CPU per
# call (user + system of each server's process over the window, from /proc, over the calls it answered)
# cancels what alternating rounds (getfine-costs.sh) can only average out. It is the instrument for a
# change of a few percent; throughput against peers stays with peers.sh.
# Writes src/bench/results/side-by-side-<protocol>.json (FINEHERO_BENCH_RESULT=name writes name.json):
# every round with each side's CPU per call and calls/s, and the median of the rounds' ratios.
# Usage: FINEHERO_BENCH_BASELINE=<revision> [FINEHERO_BENCH_PROTOCOL=rest|grpc] [FINEHERO_BENCH_AUTH=true|false]
#        src/bench/side-by-side.sh [rounds=5] [seconds=10] [warm-up seconds=60]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
rounds="${1:-5}" seconds="${2:-10}" warmup="${3:-60}"
protocol="${FINEHERO_BENCH_PROTOCOL:-rest}"
case "$protocol" in grpc|rest) ;; *) echo "side-by-side: FINEHERO_BENCH_PROTOCOL is grpc or rest, not $protocol" >&2; exit 2 ;; esac
auth_enabled="${FINEHERO_BENCH_AUTH:-false}"
case "$auth_enabled" in true|false) ;; *) echo "side-by-side: FINEHERO_BENCH_AUTH is true or false, not $auth_enabled" >&2; exit 2 ;; esac
[ -n "${FINEHERO_BENCH_BASELINE:-}" ] || { echo "side-by-side: set FINEHERO_BENCH_BASELINE to the revision to compare with" >&2; exit 2; }
out_name="${FINEHERO_BENCH_RESULT:-side-by-side-$protocol}"
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
baseline_jar="$(bench_jar_of "$FINEHERO_BENCH_BASELINE")"
sides=(change baseline)
declare -A jar=([change]="$root/server/target/finehero-server.jar" [baseline]="$baseline_jar")
declare -A port=([change]=18795 [baseline]=18796)
declare -A schema=([change]=bench_side_change [baseline]=bench_side_baseline)
declare -A pid=() auth=() url=()
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
work="$(mktemp -d)"
cleanup() {
  for side in "${sides[@]}"; do
    if [ -n "${pid[$side]:-}" ]; then kill -TERM "${pid[$side]}" 2>/dev/null || true; wait "${pid[$side]}" 2>/dev/null || true; fi
    psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS ${schema[$side]} CASCADE" >/dev/null 2>&1 || true
    redis-cli -p 6379 --scan --pattern "${schema[$side]}*" | xargs -r redis-cli -p 6379 del >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
for side in "${sides[@]}"; do
  bench_start_finehero "${jar[$side]}" "${port[$side]}" "${schema[$side]}" "$work/server-$side.log" FINEHERO_AUTH_ENABLED="$auth_enabled"
  pid[$side]=$bench_started
done
for side in "${sides[@]}"; do
  bench_await_ready "${port[$side]}" || { echo "side-by-side: the $side server did not become ready; see $work/server-$side.log" >&2; exit 1; }
  base="http://127.0.0.1:${port[$side]}"
  auth[$side]="authorization: Bearer $(bench_admin_token "$base")"
  fine="$(curl -sf -X POST "$base/v1/fines" -H "${auth[$side]}" -H 'Content-Type: application/json' -d '{
      "citationNumber": "SIDE-1", "jurisdiction": "LOAD", "violationCode": "L",
      "amount": {"currencyCode": "USD", "amountMinor": "100"},
      "issueTime": "2026-01-01T00:00:00Z", "dueTime": "2026-02-01T00:00:00Z"}' \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
  if [ "$protocol" = rest ]; then
    url[$side]="$base/v1/fines/$fine"
  else
    url[$side]="$base/finehero.fines.v1.FinesService/GetFine"
    bench_grpc_string_request "$work/get-$side.bin" "$fine"
    bench_grpc_check "${url[$side]}" "$work/get-$side.bin" "${auth[$side]}"
  fi
done
load() { # side label seconds out
  if [ "$protocol" = rest ]; then
    bench_wrk_get "$2" "${url[$1]}" "$3" 64 "$4" "${auth[$1]}" >/dev/null
  else
    bench_h2load_grpc "$2" "${url[$1]}" "$work/get-$1.bin" "$3" 64 "$4" "${auth[$1]}" >/dev/null
  fi
}
both() { # label seconds: both sides loaded at once, the first started alternating by round
  local label="$1" secs="$2" order=("${sides[@]}") started=()
  [ $((round % 2)) = 0 ] && order=(baseline change)
  for side in "${order[@]}"; do load "$side" "$label" "$secs" "$work/runs-$side.ndjson" & started+=($!); done
  wait "${started[@]}"
}
round=0
both warm-up "$warmup"
rm -f "$work"/runs-*.ndjson
for round in $(seq 1 "$rounds"); do
  declare -A before=()
  for side in "${sides[@]}"; do before[$side]="$(bench_cpu_ticks "${pid[$side]}")"; done
  both "round-$round" "$seconds"
  for side in "${sides[@]}"; do
    echo "{\"side\": \"$side\", \"round\": $round, \"cpu_ticks\": $(( $(bench_cpu_ticks "${pid[$side]}") - ${before[$side]} ))}" >>"$work/cpu.ndjson"
  done
  tail -qn 1 "$work/runs-change.ndjson" "$work/runs-baseline.ndjson"
done
FINEHERO_BENCH_BASELINE_COMMIT="$(git -C "$root" rev-parse "$FINEHERO_BENCH_BASELINE")" \
  python3 - "$work" "$root/src/bench/results/$out_name.json" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  "$rounds" "$seconds" "$warmup" "$protocol" "$auth_enabled" "$(getconf CLK_TCK)" <<'PY'
import json, os, statistics, sys, datetime
work, out, load_start, load_end, rounds, seconds, warmup, protocol, auth, ticks = sys.argv[1:11]
cpu = {}
for line in open(os.path.join(work, "cpu.ndjson")):
    r = json.loads(line)
    cpu[(r["side"], r["round"])] = r["cpu_ticks"]
result_rounds = []
for rnd in range(1, int(rounds) + 1):
    row = {"round": rnd}
    for side in ("change", "baseline"):
        run = [json.loads(l) for l in open(os.path.join(work, f"runs-{side}.ndjson"))][rnd - 1]
        row[side] = {"calls_per_second": run["calls_per_second"], "p99_ms": run["p99_ms"], "errors": run["errors"],
                     "server_cpu_us_per_call": round(cpu[(side, rnd)] * 1e6 / int(ticks) / max(1, run["calls"]), 2)}
    row["cpu_per_call_change_vs_baseline"] = round(row["change"]["server_cpu_us_per_call"] / row["baseline"]["server_cpu_us_per_call"], 3)
    result_rounds.append(row)
ratios = [r["cpu_per_call_change_vs_baseline"] for r in result_rounds]
result = {"benchmark": "side_by_side",
          "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
          "machine": {"cpus": os.cpu_count(), "load_average_start": load_start, "load_average_end": load_end},
          "how": ("REST GET /v1/fines/{id}, wrk -t 1 -c 64" if protocol == "rest" else "gRPC GetFine, h2load -c 1 -m 64")
                 + " against each of two servers at once: this build and the baseline revision, PostgreSQL + Redis, "
                 + ("security on (JWT, access checks, rate limits)" if auth == "true" else "security off (finehero.auth.enabled=false)")
                 + f", cache-hit GetFine; a {warmup} s warm-up, then {rounds} rounds of {seconds} s; CPU per call is each server"
                 + " process's user + system time over the round (/proc/<pid>/stat) over the calls it answered",
          "baseline_revision": os.environ["FINEHERO_BENCH_BASELINE_COMMIT"],
          "median_cpu_per_call_change_vs_baseline": statistics.median(ratios),
          "rounds_change_cheaper": sum(1 for r in ratios if r < 1), "rounds": result_rounds}
json.dump(result, open(out, "w"), indent=2)
print(json.dumps({k: v for k, v in result.items() if k != "rounds"}, indent=1))
PY
