#!/usr/bin/env bash
# What FineHero's Redis round trips cost the tail at a known load: the grpc-java echo and three secured
# FineHero servers (PostgreSQL + Redis, JWT, as peers.sh runs them) side by side, cache-hit GetFine over
# gRPC from one event-loop client (GetFineLoad): closed-loop rounds, then rounds paced at 25% and 50% of
# the echo's closed-loop rate (latency from when each call was due), all targets alternating.
#   default          every cached read confirmed against Redis (finehero.cache.near-trusted-for PT0S), rate
#                    limits on (far above the load; settled with Redis off the call's path)
#   no-confirmation  near copies trusted for 100 ms: a hit mostly needs no Redis round trip, and another
#                    instance's change may be served stale for that long (read-your-writes across instances off)
#   no-redis         no confirmation and no rate limits
# Beside them the floor of the confirmation: the echo with every GetFine waiting for Redis to confirm its
# copy (echo-confirmed, EchoServer port redis://…), the least a server keeping read-your-writes can do.
# With FINEHERO_BENCH_BASELINE=<revision>, the targets are the echo, this build's default and the baseline
# revision's (same settings) instead: what a change does to the tail, against the echo in the same run.
# Writes src/bench/results/paced-costs.json (FINEHERO_BENCH_RESULT=name writes name.json): every round, the
# median p99 per target and load, the p99 over every call of its rounds (pooled), and each as a ratio of the
# echo's at the same load (peers.sh's paced target: at most 1.2x).
# Usage: [FINEHERO_BENCH_BASELINE=rev] src/bench/paced-costs.sh [rounds=3] [seconds=10] [warm-up seconds=20]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
rounds="${1:-3}" seconds="${2:-10}" warmup="${3:-20}"
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
work="$(mktemp -d)"
flags=(--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED)
declare -A port=([echo]=18880 [default]=18881 [no-confirmation]=18882 [no-redis]=18883 [echo-confirmed]=18884 [baseline]=18885)
baseline="${FINEHERO_BENCH_BASELINE:-}"
out_name="${FINEHERO_BENCH_RESULT:-paced-costs}"
schemas=(bench_paced_default bench_paced_no_confirmation bench_paced_no_redis bench_paced_baseline)
pids=()
drop_schemas() { for s in "${schemas[@]}"; do psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1 || true; done; }
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  drop_schemas
  if [ "${finished:-no}" = no ]; then for log in "$work"/*.log "$work"/load.err; do [ -f "$log" ] && { echo "== $log" >&2; tail -20 "$log" >&2; }; done; fi
  rm -rf "$work"
}
trap cleanup EXIT
drop_schemas
finehero() { # $1 mode, $2 schema, then settings
  bench_start_finehero "${jar:-$root/server/target/finehero-server.jar}" "${port[$1]}" "$2" "$work/$1.log" "${@:3}"
  pids+=("$bench_started")
}
# exec: the pid is the server's java, so stopping it stops the server and not only a subshell
(exec "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" com.finehero.bench.EchoServer ${port[echo]} >"$work/echo.log" 2>&1) &
pids+=($!)
finehero default bench_paced_default
if [ -n "$baseline" ]; then
  baseline_jar="$(bench_jar_of "$baseline")"
  [ -f "$baseline_jar" ] || { echo "paced-costs: no server jar built for $baseline" >&2; exit 1; }
  jar="$baseline_jar" finehero baseline bench_paced_baseline
  modes=(default baseline)
  targets=(echo=${port[echo]} default=${port[default]} baseline=${port[baseline]})
else
  (exec "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" com.finehero.bench.EchoServer ${port[echo-confirmed]} redis://127.0.0.1:6379 \
    >"$work/echo-confirmed.log" 2>&1) &
  pids+=($!)
  finehero no-confirmation bench_paced_no_confirmation FINEHERO_CACHE_NEAR_dash_TRUSTED_dash_FOR=PT0.1S
  finehero no-redis bench_paced_no_redis FINEHERO_CACHE_NEAR_dash_TRUSTED_dash_FOR=PT0.1S FINEHERO_SECURITY_RATE_dash_LIMITS_ENABLED=false
  modes=(default no-confirmation no-redis)
  targets=(echo=${port[echo]} default=${port[default]} no-confirmation=${port[no-confirmation]} no-redis=${port[no-redis]}
           echo-confirmed=${port[echo-confirmed]})
fi
for mode in "${modes[@]}"; do bench_await_ready "${port[$mode]}" || { echo "paced-costs: $mode did not become ready" >&2; exit 1; }; done
# the echo first: the paced rates are fractions of its median closed-loop rate
FINEHERO_BENCH_PACED="0.25,0.5" "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" com.finehero.bench.GetFineLoad --rounds "$rounds" \
  127.0.0.1 64 "$warmup" "$seconds" "$work/runs.ndjson" "${targets[@]}" 2>"$work/load.err"
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work/runs.ndjson" "$root/src/bench/results/$out_name.json" "$(git -C "$root" rev-parse HEAD)" "$rounds" "$seconds" \
    "$warmup" "$load_start" "$load_end" "$([ -z "$baseline" ] || git -C "$root" rev-parse "$baseline")" "$(git -C "$root" status --porcelain -- server bench | wc -l)" <<'PY'
import json, sys, os, datetime
runs_file, out, head, rounds, seconds, warmup, load_start, load_end, baseline, dirty = sys.argv[1:11]
runs = [json.loads(line) for line in open(runs_file) if line.strip()]
def median(values):
    values = sorted(values)
    return values[len(values) // 2]
by_name = {}
for run in runs:
    by_name.setdefault(run["name"], []).append(run)
closed = {name: {"median_calls_per_second": median([r["calls_per_second"] for r in rs]), "median_p99_ms": median([r["p99_ms"] for r in rs]),
                 "rounds": rs} for name, rs in by_name.items() if " paced " not in name}
paced = {}
for name, rs in by_name.items():
    if " paced " in name:
        target, fraction = name.split(" paced ")
        paced.setdefault(fraction, {})[target] = {"median_p99_ms": median([r["p99_ms"] for r in rs]),
                                                  "all_p99_ms": [r["p99_ms"] for r in rs],
                                                  "pooled_p99_ms": rs[-1].get("pooled_p99_ms"),
                                                  "pooled_calls": rs[-1].get("pooled_calls"),
                                                  "offered_calls_per_second": round(sum(r["calls_per_second"] for r in rs) / len(rs), 1),
                                                  "rounds": rs}
p99_vs_echo = {fraction: {target: round(v["median_p99_ms"] / targets["echo"]["median_p99_ms"], 3)
                          for target, v in targets.items() if target != "echo"} for fraction, targets in paced.items()}
pooled_vs_echo = {fraction: {target: round(v["pooled_p99_ms"] / targets["echo"]["pooled_p99_ms"], 3)
                             for target, v in targets.items() if target != "echo"} for fraction, targets in paced.items()}
result = {
    "benchmark": "paced_costs", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "revision": head + (" with uncommitted changes to server/ or bench/" if int(dirty) else ""),
    "machine": {"cpus": os.cpu_count(), "load_average_start": load_start, "load_average_end": load_end,
                "note": "shared VM: PostgreSQL, Redis, the servers and the client on the same cores; compare within the run"},
    "how": (f"grpc-java echo and two secured FineHero servers, this build and revision {baseline[:12]} (PostgreSQL + Redis, JWT, rate limits far above the load) up at once; " if baseline else
            f"grpc-java echo, the echo confirming every read against Redis, and three secured FineHero servers (PostgreSQL + Redis, JWT, rate limits far above the load) up at once; ")
           + f"one GetFineLoad client, 64 calls in flight, warms each for {warmup} s, then {rounds} alternating closed-loop rounds of "
           f"{seconds} s, then {rounds} alternating rounds per load paced at 25% and 50% of the echo's median closed-loop rate "
           f"(latency from when each call was due)",
    "modes": {"default": "every cached read confirmed against Redis (near-trusted-for PT0S), rate limits on",
              "baseline": f"revision {baseline}, as default"} if baseline else
             {"default": "every cached read confirmed against Redis (near-trusted-for PT0S), rate limits on",
              "no-confirmation": "near copies trusted for 100 ms (another instance's change may be served stale that long)",
              "no-redis": "no confirmation, no rate limits",
              "echo-confirmed": "the echo, every GetFine waiting for Redis to confirm its copy (ReadConfirmationFloor): "
                                "the floor of a server keeping read-your-writes across instances"},
    "closed_loop": closed, "paced": paced, "paced_p99_vs_echo": p99_vs_echo,
    "paced_pooled_p99_vs_echo": pooled_vs_echo, "target_paced_p99_vs_echo_max": 1.2,
}
if baseline:
    result["baseline_revision"] = baseline
json.dump(result, open(out, "w"), indent=1)
print(json.dumps({"paced_p99_vs_echo": p99_vs_echo, "paced_pooled_p99_vs_echo": pooled_vs_echo,
                  "paced_p99_ms": {f: {t: v["median_p99_ms"] for t, v in ts.items()} for f, ts in paced.items()},
                  "closed": {t: v["median_calls_per_second"] for t, v in closed.items()}}, indent=1))
PY
finished=yes
