#!/usr/bin/env bash
# FineHero against peers written in the bench modules, in one sitting on one box:
# - GetFine over gRPC with h2load (one connection, 64 streams): the raw grpc-java echo (EchoServer),
#   Armeria 1.36 (ArmeriaPeer), Helidon 4.5 answering from memory (HelidonPeer: FineHero's transport
#   alone), FineHero secured (PostgreSQL + Redis, JWT, Redis rate limits on, cache hit) and FineHero with
#   security off; over REST with wrk (64 connections): Armeria's HTTP/JSON transcoding, Helidon's HTTP/1.1
#   from memory and FineHero's REST bridge, secured and off. Alternating rounds after a warm-up per server.
# - the floors of FineHero's read-your-writes guarantee: the echo and the Helidon peer with every GetFine
#   waiting for Redis to confirm its copy (ReadConfirmationFloor: FineHero's own version check and nothing
#   else), over gRPC and, for Helidon, REST; both also get the paced rounds. Over REST also
#   the floor of every per-call guarantee FineHero keeps with security off (HelidonPeer with CallGuarantees).
# - the event-loop client (GetFineLoad) as a second gRPC instrument, and for the p99 of the echo, of
#   secured FineHero and of both confirmed floors at 25% and 50% of the echo's saturation rate (paced,
#   latency from when a call was due; five rounds each, FINEHERO_BENCH_PACED_ROUNDS; the p99 over every
#   call of a target's rounds is the one held to the target, the median of the rounds' own beside it).
# - tasks: FineHero end to end (submitted over gRPC in batches, run, 200 single SubmitTask calls timed
#   alongside), db-scheduler 16.12 draining the same number (DbSchedulerPeer), a raw claim-100
#   FOR UPDATE SKIP LOCKED floor on 8 threads, and the same floor end to end (jobs inserted in batches of
#   500 while they are claimed), without and with an event row per state change, and the same loop on
#   FineHero's own tasks and event_outbox tables (its migrations, its row, its events), in alternating rounds.
# Writes src/bench/results/peers.json: medians of the rounds, every round, the load average, ratios and
# which targets were met.
# Usage: src/bench/peers.sh [rounds=3] [seconds=10] [warm-up seconds per server=30] [tasks=30000]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
rounds="${1:-3}" seconds="${2:-10}" warmup="${3:-30}" tasks="${4:-30000}"
streams=64 connections=64
for tool in h2load wrk; do
  command -v "$tool" >/dev/null || { echo "peers: needs $tool (Debian's nghttp2-client and wrk)" >&2; exit 1; }
done
"$root/mvnw" -q -B -f "$root/pom.xml" -Ppeers -pl server,bench,bench-peers -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
# Marks the start of a part of the run in loads.ndjson: the load average, and the machine's CPU ticks from
# /proc/stat (user, nice, system, idle, iowait, irq, softirq, steal), so that each part's share of time the
# hypervisor took the CPUs away (steal) is known. A tail every server shows at once is the machine's.
# Usage: mark part round
mark() {
  echo "{\"round\": $2, \"part\": \"$1\", \"load_average\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"cpu_ticks\": [$(awk '/^cpu / {print $2","$3","$4","$5","$6","$7","$8","$9; exit}' /proc/stat)]}" \
    >>"$work/loads.ndjson"
}
work="$(mktemp -d)"
flags=(--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED)
peers_cp="$root/bench-peers/target/finehero-bench-peers-0.1.0-SNAPSHOT.jar:$root/bench-peers/target/libs/*"
pg_url=jdbc:postgresql://127.0.0.1:5432/test
declare -A port=([echo]=18780 [armeria]=18781 [finehero]=18782 [finehero-off]=18783 [tasks]=18784 [helidon]=18785
  [echo-confirmed]=18786 [helidon-confirmed]=18787 [helidon-guaranteed]=18788)
declare -A pid header body
schemas=(bench_peers_secured bench_peers_off bench_peers_tasks bench_peers_dbscheduler bench_raw_queue bench_floor_queue
  bench_floor_finehero)
drop_schemas() { for s in "${schemas[@]}"; do psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1 || true; done; }
stop() { kill -TERM "${pid[$1]}" 2>/dev/null || true; wait "${pid[$1]}" 2>/dev/null || true; unset "pid[$1]"; }
cleanup() {
  for name in "${!pid[@]}"; do stop "$name"; done
  drop_schemas
  if [ "${finished:-no}" = no ]; then for log in "$work"/*.log; do [ -f "$log" ] && { echo "== $log" >&2; tail -20 "$log" >&2; }; done; fi
  rm -rf "$work"
}
trap cleanup EXIT
drop_schemas
run() { "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" "$@"; }
finehero() { # $1 name, $2 schema, then settings
  bench_start_finehero "$root/server/target/finehero-server.jar" "${port[$1]}" "$2" "$work/$1.log" "${@:3}"
  pid[$1]=$bench_started
}
ready() {
  for _ in $(seq 1 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${port[$1]}/observe/health/ready")" = 200 ] && return 0
    sleep 0.2
  done
  echo "peers: $1 did not become ready" >&2; return 1
}
grpc_url() { echo "http://127.0.0.1:${port[$1]}/finehero.fines.v1.FinesService/GetFine"; }

# --- GetFine servers
# exec: the pid is the server's java, so stopping it stops the server and not only a subshell
(exec "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" com.finehero.bench.EchoServer ${port[echo]} >"$work/echo.log" 2>&1) &
pid[echo]=$!
(exec "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$peers_cp" com.finehero.bench.peers.ArmeriaPeer ${port[armeria]} >"$work/armeria.log" 2>&1) &
pid[armeria]=$!
(exec "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" com.finehero.bench.HelidonPeer ${port[helidon]} >"$work/helidon.log" 2>&1) &
pid[helidon]=$!
# the same two, every read confirmed against the Redis FineHero uses
(exec "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" com.finehero.bench.EchoServer ${port[echo-confirmed]} redis://127.0.0.1:6379 \
  >"$work/echo-confirmed.log" 2>&1) &
pid[echo-confirmed]=$!
(exec "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" com.finehero.bench.HelidonPeer ${port[helidon-confirmed]} redis://127.0.0.1:6379 \
  >"$work/helidon-confirmed.log" 2>&1) &
pid[helidon-confirmed]=$!
# and with FineHero's other per-call guarantees over gRPC and REST (request id, trace, deadline, id check, metrics; REST's security headers)
(exec "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" com.finehero.bench.HelidonPeer ${port[helidon-guaranteed]} redis://127.0.0.1:6379 \
  guarantees >"$work/helidon-guaranteed.log" 2>&1) &
pid[helidon-guaranteed]=$!
finehero finehero bench_peers_secured FINEHERO_AUTH_ENABLED=true
finehero finehero-off bench_peers_off FINEHERO_AUTH_ENABLED=false
ready finehero; ready finehero-off
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
login() { bench_admin_token "http://127.0.0.1:${port[$1]}"; }
# secured FineHero's access tokens live 15 minutes: a fresh one before every round
refresh_headers() { header[finehero]="authorization: Bearer $(login finehero)"; }
refresh_headers
header[finehero-off]="x-bench: off" header[echo]="x-bench: echo" header[armeria]="x-bench: armeria"
header[echo-confirmed]="x-bench: echo" header[helidon-confirmed]="x-bench: helidon"
declare -A fine
for name in finehero finehero-off; do
  fine[$name]="$(curl -sf -X POST "http://127.0.0.1:${port[$name]}/v1/fines" -H "${header[finehero]}" -H 'Content-Type: application/json' -d '{
      "citationNumber": "PEERS-1", "jurisdiction": "LOAD", "violationCode": "L",
      "amount": {"currencyCode": "USD", "amountMinor": "100"},
      "issueTime": "2026-01-01T00:00:00Z", "dueTime": "2026-02-01T00:00:00Z"}' | json '["id"]')"
done
fine[echo]=00000000-0000-0000-0000-000000000001 fine[armeria]=00000000-0000-0000-0000-000000000001
fine[helidon]=00000000-0000-0000-0000-000000000001 fine[echo-confirmed]=00000000-0000-0000-0000-000000000001
fine[helidon-confirmed]=00000000-0000-0000-0000-000000000001 fine[helidon-guaranteed]=00000000-0000-0000-0000-000000000001
header[helidon-guaranteed]="x-bench: helidon"
header[helidon]="x-bench: helidon"
for name in echo armeria helidon echo-confirmed helidon-confirmed helidon-guaranteed finehero finehero-off; do
  bench_grpc_string_request "$work/$name.bin" "${fine[$name]}"
  for _ in $(seq 1 300); do bench_grpc_check "$(grpc_url $name)" "$work/$name.bin" "${header[$name]}" 2>/dev/null && break; sleep 0.2; done
  bench_grpc_check "$(grpc_url $name)" "$work/$name.bin" "${header[$name]}"
done
rest_url() { echo "http://127.0.0.1:${port[$1]}/v1/fines/${fine[$1]}"; }
for name in armeria helidon helidon-confirmed helidon-guaranteed finehero finehero-off; do
  code="$(curl -s -o /dev/null -w '%{http_code}' -H "${header[$name]}" "$(rest_url $name)")"
  [ "$code" = 200 ] || { echo "peers: REST GetFine on $name answered $code" >&2; exit 1; }
done
grpc_targets=(echo armeria helidon echo-confirmed helidon-confirmed helidon-guaranteed finehero finehero-off)
rest_targets=(armeria helidon helidon-confirmed helidon-guaranteed finehero finehero-off)
echo "warming each server for $warmup s (gRPC, then REST where it has one)" >&2
for name in "${grpc_targets[@]}"; do bench_h2load_grpc warm-up "$(grpc_url $name)" "$work/$name.bin" "$warmup" $streams /dev/null "${header[$name]}" >/dev/null; done
for name in "${rest_targets[@]}"; do bench_wrk_get warm-up "$(rest_url $name)" "$warmup" $connections /dev/null "${header[$name]}" >/dev/null; done
for round in $(seq 1 "$rounds"); do
  refresh_headers
  mark getfine "$round"
  for name in "${grpc_targets[@]}"; do
    bench_h2load_grpc "grpc $name" "$(grpc_url $name)" "$work/$name.bin" "$seconds" $streams "$work/runs.ndjson" "${header[$name]}" >&2
  done
  for name in "${rest_targets[@]}"; do
    bench_wrk_get "rest $name" "$(rest_url $name)" "$seconds" $connections "$work/runs.ndjson" "${header[$name]}" >&2
  done
done
# second instrument: one client JVM warms its own JIT on each target, then alternates closed-loop rounds;
# the echo, secured FineHero, both read-confirmation floors (grpc-java's and Helidon's transport) and the floor of
# every per-call guarantee also get paced rounds at 25% and 50% of the echo's median rate, five of each
# (FINEHERO_BENCH_PACED_ROUNDS): a round's p99 at these loads moves by half from round to round, more than the
# targets differ, and a median of three followed it; the p99 over all of a target's calls rests on five rounds'
# worth of them
mark event-loop-client 1
FINEHERO_BENCH_PACED="0.25,0.5" FINEHERO_BENCH_PACED_ROUNDS="${FINEHERO_BENCH_PACED_ROUNDS:-5}" run com.finehero.bench.GetFineLoad --rounds "$rounds" 127.0.0.1 $streams 10 "$seconds" \
  "$work/java.ndjson" echo=${port[echo]} finehero=${port[finehero]} echo-confirmed=${port[echo-confirmed]} \
  helidon-confirmed=${port[helidon-confirmed]} helidon-guaranteed=${port[helidon-guaranteed]} 2>"$work/java-a.err"
FINEHERO_BENCH_PACED="" run com.finehero.bench.GetFineLoad --rounds "$rounds" 127.0.0.1 $streams 10 "$seconds" \
  "$work/java.ndjson" armeria=${port[armeria]} finehero-off=${port[finehero-off]} 2>"$work/java-b.err"
for name in echo armeria helidon echo-confirmed helidon-confirmed helidon-guaranteed finehero finehero-off; do stop "$name"; done

# --- tasks: one FineHero (as tasks-throughput.sh runs it), a fresh db-scheduler JVM and a raw floor per round
finehero tasks bench_peers_tasks FINEHERO_DB_POOL_MAX=16 FINEHERO_TASKS_WORKERS="$bench_task_workers" \
  FINEHERO_TASKS_CLAIM_dash_BATCH="$bench_task_claim_batch" \
  FINEHERO_TASKS_SCHEDULES_OVERDUE_dash_SWEEP=""
ready tasks
for round in $(seq 1 "$rounds"); do
  mark tasks "$round"
  run com.finehero.bench.TaskThroughputBench baseline "$pg_url" postgres "$tasks" 8 "$work/raw-$round.json" 100 >&2
  run com.finehero.bench.TaskThroughputBench floor "$pg_url" postgres "$tasks" 8 "$work/floor-$round.json" 100 false >&2
  run com.finehero.bench.TaskThroughputBench floor "$pg_url" postgres "$tasks" 8 "$work/floorevents-$round.json" 100 true >&2
  run com.finehero.bench.TaskThroughputBench floor "$pg_url" postgres "$tasks" 8 "$work/floorrow-$round.json" 100 finehero-row >&2
  run com.finehero.bench.DbSchedulerPeer "$pg_url" postgres bench_peers_dbscheduler "$tasks" 10000 20 20 "$work/dbscheduler-$round.json" \
    2>"$work/dbscheduler.err" >&2
  # the server's JIT warms on the first round's 30,000; later rounds need only a few
  fh_warmup=5000; [ "$round" = 1 ] && fh_warmup=30000
  run com.finehero.bench.TaskThroughputBench measure 127.0.0.1 ${port[tasks]} "$tasks" "$fh_warmup" "$work/finehero-$round.json" >&2
done
stop tasks
mark end 0
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$work" "$root/src/bench/results/peers.json" "$rounds" "$seconds" "$warmup" "$tasks" "$load_start" "$load_end" \
    "$bench_task_workers" "$bench_task_claim_batch" <<'PY'
import json, sys, os, glob, datetime
work, out, rounds, seconds, warmup, tasks, load_start, load_end, workers, claim_batch = sys.argv[1:11]
lines = lambda f: [json.loads(l) for l in open(f) if l.strip()]
def median_run(rs, key="calls_per_second"):
    return sorted(rs, key=lambda r: r[key])[len(rs) // 2]
def median(values):
    values = sorted(values)
    return values[len(values) // 2]
runs = lines(os.path.join(work, "runs.ndjson"))
getfine = {}
for r in runs:
    getfine.setdefault(r["name"], []).append(r)
getfine = {name: {"median": median_run(rs), "median_p99_ms": median([r["p99_ms"] for r in rs]),
                  "all_calls_per_second": [r["calls_per_second"] for r in rs], "all_p99_ms": [r["p99_ms"] for r in rs]}
           for name, rs in getfine.items()}
java = lines(os.path.join(work, "java.ndjson"))
closed, paced = {}, {}
for r in java:
    if " paced " in r["name"]:
        target, fraction = r["name"].split(" paced ")
        paced.setdefault(fraction, {}).setdefault(target, []).append(r)
    else:
        closed.setdefault(r["name"], []).append(r)
closed = {t: {"median": median_run(rs), "all_calls_per_second": [r["calls_per_second"] for r in rs]} for t, rs in closed.items()}
failed = {}  # every round's failed calls, by target and what went wrong (the medians alone would hide most)
for r in java:
    for reason, count in r.get("failures", {}).items():
        per_reason = failed.setdefault(r["name"], {})
        per_reason[reason] = per_reason.get(reason, 0) + count
# a round's line carries the percentiles over every call of that target's rounds so far: the last round's are all of them
paced = {f: {t: {"pooled_p99_ms": rs[-1]["pooled_p99_ms"], "pooled_calls": rs[-1]["pooled_calls"],
                 "median_p99_ms": median([r["p99_ms"] for r in rs]), "all_p99_ms": [r["p99_ms"] for r in rs],
                 "offered_calls_per_second": round(sum(r["calls_per_second"] for r in rs) / len(rs), 1)} for t, rs in ts.items()}
         for f, ts in paced.items()}
def task_runs(prefix, key):
    rs = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(work, prefix + "-*.json")))]
    return {"median": median_run(rs, key), "all_per_second": [r[key] for r in rs]}
tasks_part = {"finehero": task_runs("finehero", "tasks_per_second"), "db_scheduler": task_runs("dbscheduler", "tasks_per_second"),
              "raw_claim_100": task_runs("raw", "jobs_per_second"),
              "floor_end_to_end": task_runs("floor", "jobs_per_second"),
              "floor_end_to_end_with_events": task_runs("floorevents", "jobs_per_second"),
              "floor_on_finehero_tables": task_runs("floorrow", "jobs_per_second")}
fh_task_runs = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(work, "finehero-*.json")))]
submit_p99 = median([r["single_submit_p99_ms"] for r in fh_task_runs])
floor_event_runs = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(work, "floorevents-*.json")))]
floor_row_runs = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(work, "floorrow-*.json")))]
rate = lambda name: getfine[name]["median"]["calls_per_second"]
p99 = lambda name: getfine[name]["median_p99_ms"]
fh_tasks = tasks_part["finehero"]["median"]["tasks_per_second"]
ratios = {
    "secured_grpc_vs_echo": round(rate("grpc finehero") / rate("grpc echo"), 3),
    "secured_grpc_vs_echo_event_loop_client": round(closed["finehero"]["median"]["calls_per_second"] / closed["echo"]["median"]["calls_per_second"], 3),
    "unsecured_grpc_vs_armeria_grpc": round(rate("grpc finehero-off") / rate("grpc armeria"), 3),
    "unsecured_grpc_vs_armeria_grpc_event_loop_client": round(closed["finehero-off"]["median"]["calls_per_second"] / closed["armeria"]["median"]["calls_per_second"], 3),
    "unsecured_rest_vs_armeria_rest": round(rate("rest finehero-off") / rate("rest armeria"), 3),
    "unsecured_rest_p99_vs_armeria_rest_p99": round(p99("rest finehero-off") / p99("rest armeria"), 3),
    "secured_rest_vs_armeria_rest": round(rate("rest finehero") / rate("rest armeria"), 3),
    "secured_rest_p99_vs_armeria_rest_p99": round(p99("rest finehero") / p99("rest armeria"), 3),
    "secured_rest_vs_secured_grpc": round(rate("rest finehero") / rate("grpc finehero"), 3),
    "secured_rest_p99_vs_secured_grpc_p99": round(p99("rest finehero") / p99("grpc finehero"), 3),
    "unsecured_rest_vs_unsecured_grpc": round(rate("rest finehero-off") / rate("grpc finehero-off"), 3),
    "unsecured_rest_p99_vs_unsecured_grpc_p99": round(p99("rest finehero-off") / p99("grpc finehero-off"), 3),
    "tasks_vs_db_scheduler": round(fh_tasks / tasks_part["db_scheduler"]["median"]["tasks_per_second"], 3),
    "tasks_vs_raw_claim_100": round(fh_tasks / tasks_part["raw_claim_100"]["median"]["jobs_per_second"], 3),
    # what the transport alone reaches, and the floors an engine that is handed its jobs cannot go under
    "helidon_grpc_vs_echo": round(rate("grpc helidon") / rate("grpc echo"), 3),
    "helidon_grpc_p99_vs_echo_p99": round(p99("grpc helidon") / p99("grpc echo"), 3),
    "helidon_grpc_vs_armeria_grpc": round(rate("grpc helidon") / rate("grpc armeria"), 3),
    "helidon_rest_vs_armeria_rest": round(rate("rest helidon") / rate("rest armeria"), 3),
    "helidon_rest_p99_vs_armeria_rest_p99": round(p99("rest helidon") / p99("rest armeria"), 3),
    "secured_grpc_vs_helidon_grpc": round(rate("grpc finehero") / rate("grpc helidon"), 3),
    "unsecured_rest_vs_helidon_rest": round(rate("rest finehero-off") / rate("rest helidon"), 3),
    "floor_end_to_end_vs_raw_claim_100": round(tasks_part["floor_end_to_end"]["median"]["jobs_per_second"]
                                               / tasks_part["raw_claim_100"]["median"]["jobs_per_second"], 3),
    "floor_end_to_end_with_events_vs_raw_claim_100": round(tasks_part["floor_end_to_end_with_events"]["median"]["jobs_per_second"]
                                                           / tasks_part["raw_claim_100"]["median"]["jobs_per_second"], 3),
    "floor_end_to_end_with_events_vs_db_scheduler": round(tasks_part["floor_end_to_end_with_events"]["median"]["jobs_per_second"]
                                                          / tasks_part["db_scheduler"]["median"]["tasks_per_second"], 3),
    "tasks_vs_floor_end_to_end_with_events": round(fh_tasks / tasks_part["floor_end_to_end_with_events"]["median"]["jobs_per_second"], 3),
    # the floor of any engine that keeps FineHero's rows and events
    "floor_on_finehero_tables_vs_db_scheduler": round(tasks_part["floor_on_finehero_tables"]["median"]["jobs_per_second"]
                                                      / tasks_part["db_scheduler"]["median"]["tasks_per_second"], 3),
    "floor_on_finehero_tables_vs_raw_claim_100": round(tasks_part["floor_on_finehero_tables"]["median"]["jobs_per_second"]
                                                       / tasks_part["raw_claim_100"]["median"]["jobs_per_second"], 3),
    "tasks_vs_floor_on_finehero_tables": round(fh_tasks / tasks_part["floor_on_finehero_tables"]["median"]["jobs_per_second"], 3),
    # the floors of the read-your-writes guarantee: a peer whose every read waits for Redis to confirm its copy
    "echo_confirmed_grpc_vs_echo": round(rate("grpc echo-confirmed") / rate("grpc echo"), 3),
    "helidon_confirmed_grpc_vs_armeria_grpc": round(rate("grpc helidon-confirmed") / rate("grpc armeria"), 3),
    "unsecured_grpc_vs_helidon_confirmed_grpc": round(rate("grpc finehero-off") / rate("grpc helidon-confirmed"), 3),
    "helidon_confirmed_rest_vs_armeria_rest": round(rate("rest helidon-confirmed") / rate("rest armeria"), 3),
    "helidon_confirmed_rest_p99_vs_armeria_rest_p99": round(p99("rest helidon-confirmed") / p99("rest armeria"), 3),
    "unsecured_rest_vs_helidon_confirmed_rest": round(rate("rest finehero-off") / rate("rest helidon-confirmed"), 3),
    # the floor of FineHero's per-call guarantees with authentication off: what they cost beside read confirmation
    # alone, and what FineHero's pipeline costs on top of them
    "helidon_guaranteed_rest_vs_armeria_rest": round(rate("rest helidon-guaranteed") / rate("rest armeria"), 3),
    "helidon_guaranteed_rest_p99_vs_armeria_rest_p99": round(p99("rest helidon-guaranteed") / p99("rest armeria"), 3),
    "helidon_guaranteed_rest_vs_helidon_confirmed_rest": round(rate("rest helidon-guaranteed") / rate("rest helidon-confirmed"), 3),
    "unsecured_rest_vs_helidon_guaranteed_rest": round(rate("rest finehero-off") / rate("rest helidon-guaranteed"), 3),
    "helidon_guaranteed_grpc_vs_armeria_grpc": round(rate("grpc helidon-guaranteed") / rate("grpc armeria"), 3),
    "helidon_guaranteed_grpc_vs_helidon_confirmed_grpc": round(rate("grpc helidon-guaranteed") / rate("grpc helidon-confirmed"), 3),
    "unsecured_grpc_vs_helidon_guaranteed_grpc": round(rate("grpc finehero-off") / rate("grpc helidon-guaranteed"), 3),
    # REST against gRPC on the peers' own servers
    "armeria_rest_vs_armeria_grpc": round(rate("rest armeria") / rate("grpc armeria"), 3),
    "armeria_rest_p99_vs_armeria_grpc_p99": round(p99("rest armeria") / p99("grpc armeria"), 3),
    "helidon_confirmed_rest_vs_helidon_confirmed_grpc": round(rate("rest helidon-confirmed") / rate("grpc helidon-confirmed"), 3),
    "helidon_confirmed_rest_p99_vs_helidon_confirmed_grpc_p99": round(p99("rest helidon-confirmed") / p99("grpc helidon-confirmed"), 3),
    # FineHero's transport alone: what HTTP/1.1 gives against HTTP/2 on this box before any work of FineHero's
    "helidon_rest_vs_helidon_grpc": round(rate("rest helidon") / rate("grpc helidon"), 3),
    "helidon_rest_p99_vs_helidon_grpc_p99": round(p99("rest helidon") / p99("grpc helidon"), 3),
}
# the same comparisons round by round: each round's ratio of the two, and their median. A round runs
# every server in turn, so the box's load during a round weighs on both sides of its ratio; the targets
# are judged on the ratios of the medians above. A round with nothing to divide by is left out rather
# than losing the run's results here
def paired(a, b, key):
    each = [round(x / y, 3) for x, y in zip(getfine[a][key], getfine[b][key]) if x is not None and y]
    return {"median": median(each) if each else None, "rounds": each}
paired_ratios = {}
for name, a, b in (("secured_grpc_vs_echo", "grpc finehero", "grpc echo"),
                   ("unsecured_grpc_vs_armeria_grpc", "grpc finehero-off", "grpc armeria"),
                   ("helidon_guaranteed_grpc_vs_armeria_grpc", "grpc helidon-guaranteed", "grpc armeria"),
                   ("unsecured_grpc_vs_helidon_guaranteed_grpc", "grpc finehero-off", "grpc helidon-guaranteed"),
                   ("unsecured_rest_vs_armeria_rest", "rest finehero-off", "rest armeria"),
                   ("helidon_guaranteed_rest_vs_armeria_rest", "rest helidon-guaranteed", "rest armeria"),
                   ("unsecured_rest_vs_helidon_guaranteed_rest", "rest finehero-off", "rest helidon-guaranteed")):
    paired_ratios[name] = paired(a, b, "all_calls_per_second")
    if "rest" in name:
        paired_ratios[name.replace("_rest_vs_", "_rest_p99_vs_") + "_p99"] = paired(a, b, "all_p99_ms")
for fraction, targets in paced.items():
    for who, target in (("secured", "finehero"), ("echo_confirmed", "echo-confirmed"), ("helidon_confirmed", "helidon-confirmed"),
                        ("helidon_guaranteed", "helidon-guaranteed")):
        # the p99 of every call of the paced rounds; the median of the rounds' own p99s beside it
        ratios[f"{who}_paced_p99_vs_echo_at_{fraction}"] = round(targets[target]["pooled_p99_ms"] / targets["echo"]["pooled_p99_ms"], 3)
        ratios[f"{who}_paced_median_round_p99_vs_echo_at_{fraction}"] = round(
            targets[target]["median_p99_ms"] / targets["echo"]["median_p99_ms"], 3)
# each target as a check of the ratios of one contender (FineHero, a guarantee's floor or a peer), named
# as the ratios name it, so FineHero, the floors and the peers are held to the very same bounds
def grpc_vs_armeria(who): return ratios[who + "_grpc_vs_armeria_grpc"] >= 0.8
def rest_vs_armeria(who):
    return ratios[who + "_rest_vs_armeria_rest"] >= 1.0 and ratios[who + "_rest_p99_vs_armeria_rest_p99"] <= 1.0
def rest_vs_own_grpc(who):
    return ratios[f"{who}_rest_vs_{who}_grpc"] >= 0.85 and ratios[f"{who}_rest_p99_vs_{who}_grpc_p99"] <= 1.5
def paced_vs_echo(who): return all(ratios[who + "_paced_p99_vs_echo_at_" + f] <= 1.2 for f in paced)
def tasks_vs_db_scheduler(who): return ratios[who + "_vs_db_scheduler"] >= 3.0
def tasks_vs_raw_claim_100(who): return ratios[who + "_vs_raw_claim_100"] >= 0.5
def submit_p99_under_20ms(p99_ms): return p99_ms < 20.0
floor_row_insert_p99 = median([r["single_insert_p99_ms"] for r in floor_row_runs])
met = {
    "secured_grpc_at_least_1.0x_echo": ratios["secured_grpc_vs_echo"] >= 1.0,
    "unsecured_grpc_at_least_0.8x_armeria_grpc": grpc_vs_armeria("unsecured"),
    "rest_at_least_1.0x_armeria_rest_p99_no_worse": rest_vs_armeria("unsecured"),
    "rest_at_least_0.85x_grpc_p99_at_most_1.5x": rest_vs_own_grpc("secured"),
    "tasks_at_least_3x_db_scheduler": tasks_vs_db_scheduler("tasks"),
    "tasks_at_least_0.5x_raw_claim_100": tasks_vs_raw_claim_100("tasks"),
    "single_submit_task_p99_under_20ms": submit_p99_under_20ms(submit_p99),
    "paced_p99_at_most_1.2x_echo": paced_vs_echo("secured"),
}
# a target the floor of a guarantee misses in the same run is out of reach of any server keeping that guarantee;
# FineHero without security is held, over gRPC as over REST, to the floor of every per-call guarantee it keeps
# with security off, on the transport it runs on
floors_met = {
    "unsecured_grpc_at_least_0.8x_armeria_grpc": grpc_vs_armeria("helidon_guaranteed"),
    "rest_at_least_1.0x_armeria_rest_p99_no_worse": rest_vs_armeria("helidon_guaranteed"),
    "paced_p99_at_most_1.2x_echo": paced_vs_echo("echo_confirmed"),
    "tasks_at_least_3x_db_scheduler": tasks_vs_db_scheduler("floor_on_finehero_tables"),
    "tasks_at_least_0.5x_raw_claim_100": tasks_vs_raw_claim_100("floor_on_finehero_tables"),
    "single_submit_task_p99_under_20ms": submit_p99_under_20ms(floor_row_insert_p99),
}
# REST against gRPC is FineHero against itself: the peers' own pairs answer it; Helidon's (FineHero's transport
# answering from memory) says what the transport allows before FineHero does anything
peers_met = {
    "rest_at_least_0.85x_grpc_p99_at_most_1.5x": {who: rest_vs_own_grpc(who) for who in ("armeria", "helidon", "helidon_confirmed")},
}
# the paced tail's floor is the confirmed echo (grpc-java's transport); the confirmed Helidon is the same floor on
# the transport FineHero runs on, so it tells a tail that is Helidon's from one that is FineHero's; with read
# confirmation alone it is also the gRPC target's floor before the per-call guarantees (as in runs before
# 2026-12-07 06:50 UTC)
transport_floor_met = {"paced_p99_at_most_1.2x_echo": paced_vs_echo("helidon_confirmed"),
                       "unsecured_grpc_at_least_0.8x_armeria_grpc": grpc_vs_armeria("helidon_confirmed")}
# the floor of every per-call guarantee kept with security off, on FineHero's transport, paced as secured FineHero is
guarantees_transport_floor_met = {"paced_p99_at_most_1.2x_echo": paced_vs_echo("helidon_guaranteed")}
def with_steal(marks):
    """Each part of the run with the share of the machine's CPU time the hypervisor took (steal) until the next mark."""
    parts = []
    for mark, following in zip(marks, marks[1:]):
        spent = [b - a for a, b in zip(mark["cpu_ticks"], following["cpu_ticks"])]
        part = {k: v for k, v in mark.items() if k != "cpu_ticks"}
        part["steal_percent"] = round(100.0 * spent[7] / max(1, sum(spent)), 2)
        parts.append(part)
    return parts
parts = with_steal(lines(os.path.join(work, "loads.ndjson")))
result = {
    "benchmark": "finehero_vs_peers", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "machine": {"cpus": os.cpu_count(), "load_average_start": load_start, "load_average_end": load_end,
                "load_average_per_round": parts,
                "note": "shared VM: PostgreSQL, Redis, every server and every client on the same cores, other work running; "
                        "compare the ratios measured in the same run, not absolute figures; steal_percent is the share of "
                        "the CPUs' time the hypervisor took during that part (/proc/stat)"},
    "settings": {"rounds": int(rounds), "paced_rounds": max(len(t["all_p99_ms"]) for ts in paced.values() for t in ts.values()),
                 "seconds": int(seconds), "warmup_seconds_per_server": int(warmup), "tasks_per_round": int(tasks),
                 "grpc": "h2load -c 1 -m 64 (one connection, 64 streams)", "rest": "wrk -t 1 -c 64 --latency (HTTP/1.1 keep-alive)",
                 "finehero": "PostgreSQL + Redis, cache-hit GetFine; 'finehero' = JWT + contract access check + Redis rate limits "
                             "(far above the load); 'finehero-off' = auth.enabled false",
                 "peers": "EchoServer = grpc-java 1.73 Netty from memory; ArmeriaPeer = Armeria 1.36 (grpc-java 1.78) from memory, gRPC "
                          "and HTTP/JSON transcoding of the proto's google.api.http rules on one port; HelidonPeer = Helidon 4.5.0 "
                          "from memory with FineHero's transport settings (HTTP/2 selector, 256 streams, uncompressed, TCP_NODELAY), "
                          "gRPC and GET /v1/fines/{id} printed as FineHero prints a REST response (its JsonPrinter, each answer instance once "
                          "since 2026-12-06 06:00 UTC; JsonFormat before 2026-12-05 21:00 UTC), no interceptors or in-process hop; "
                          "echo-confirmed and helidon-confirmed = the same with every GetFine waiting for Redis to confirm its copy "
                          "(ReadConfirmationFloor: FineHero's own version check, many reads per round trip, no other cache work), "
                          "the floor of a server keeping FineHero's read-your-writes guarantee across instances; helidon-guaranteed = "
                          "helidon-confirmed that also keeps what FineHero keeps on every call with authentication off "
                          "(CallGuarantees: x-request-id, traceparent, a UUID check of the id, a Prometheus timer and an HdrHistogram "
                          "record; over REST the security headers and Vary and a deadline timer per call answering 504; over gRPC, "
                          "since 2026-12-07 06:50 UTC, the caller's grpc-timeout answered DEADLINE_EXCEEDED, in one interceptor; on "
                          "FineHero's gRPC transport, its stream guard and gathered writes, since 08:14 UTC), the "
                          "floor the REST and gRPC targets' met_by_the_guarantees_floor entries are read from",
                 "tasks": "FineHero: one server (workers " + workers + ", claim-batch " + claim_batch + ", pool 16), BatchSubmitTasks of 500 from 2 callers plus 200 "
                          "single SubmitTask calls, tasks/s from first submit to last success (warm-up 30,000 in round 1, 5,000 after); "
                          "db-scheduler: 20 threads, pool 20, lock-and-fetch (1.0, 4.0), tasks preloaded, start to table empty, fresh JVM "
                          "per round after 10,000 warm-up tasks; raw: claim 100 per UPDATE … FOR UPDATE SKIP LOCKED RETURNING on 8 "
                          "threads, then mark done; floor end to end: the same claim loop while 2 threads insert the jobs 500 per INSERT, "
                          "first insert to last done, 'with events' adds one event row per job per change (queued, running, done) "
                          "in the same statement; 'on FineHero's tables': the same loop on the tasks and event_outbox tables "
                          "FineHero's migrations create (every column, index and partition), a task's three row versions written as "
                          "FineHero writes them and each change's event row carrying the task's fields, one statement per step"},
    "getfine": getfine,
    "event_loop_client": {"closed_loop": closed, "paced_p99_by_fraction_of_echo_rate": paced, "failed_calls": failed},
    "tasks": tasks_part,
    "single_submit_task_p99_ms": {"median": submit_p99, "all": [r["single_submit_p99_ms"] for r in fh_task_runs],
                                  "floor_single_insert_with_events_median": median([r["single_insert_p99_ms"] for r in floor_event_runs]),
                                  "floor_single_insert_with_events_all": [r["single_insert_p99_ms"] for r in floor_event_runs],
                                  "floor_on_finehero_tables_single_insert_median": floor_row_insert_p99,
                                  "floor_on_finehero_tables_single_insert_all": [r["single_insert_p99_ms"] for r in floor_row_runs]},
    "ratios": ratios,
    "ratios_median_of_rounds": paired_ratios,
    "targets": {"secured_grpc_vs_echo_min": 1.0, "unsecured_grpc_vs_armeria_grpc_min": 0.8,
                "rest_vs_armeria_rest_min": 1.0, "rest_p99_vs_armeria_rest_p99_max": 1.0,
                "rest_vs_grpc_min": 0.85, "rest_p99_vs_grpc_p99_max": 1.5,
                "tasks_vs_db_scheduler_min": 3.0, "tasks_vs_raw_claim_100_min": 0.5, "single_submit_task_p99_ms_max": 20.0,
                "note": "REST against Armeria compares FineHero with security off (Armeria has none); REST against gRPC compares "
                        "secured FineHero with itself; both pairs are in ratios"},
    "met": met,
    "met_by_the_guarantees_floor": floors_met,
    "met_by_the_peers_own_rest_and_grpc": peers_met,
    "met_by_the_read_confirmation_floor_on_helidon": transport_floor_met,
    "met_by_the_guarantees_floor_on_helidon": guarantees_transport_floor_met,
}
json.dump(result, open(out, "w"), indent=1)
print(json.dumps({"ratios": ratios, "ratios_median_of_rounds": paired_ratios, "met": met, "met_by_the_guarantees_floor": floors_met, "load": [load_start, load_end]}, indent=1))
PY
finished=yes
