#!/usr/bin/env bash
# The task engine benchmark on PostgreSQL: first a raw FOR UPDATE SKIP LOCKED claim loop (the
# baseline, measured in this run), then no-op tasks submitted in batches and run to completion by
# one FineHero server. Writes src/bench/results/tasks-throughput.json.
# With FINEHERO_BENCH_BASELINE=<revision>, instead: that revision's server and this one in alternating
# rounds (3 each, a fresh schema per round), writing src/bench/results/tasks-vs-baseline.json (or
# FINEHERO_BENCH_OUT). FINEHERO_BENCH_BASELINE_SQL: statements run on the baseline's schema once its
# server has migrated it, so a revision can be compared with itself minus an index (say).
# FINEHERO_BENCH_BASELINE_SETTINGS="<workers> <claim batch>": the baseline's server runs with those task
# settings instead of lib.sh's, so a revision can be compared with itself under other settings.
# Usage: [FINEHERO_BENCH_BASELINE=<revision> [FINEHERO_BENCH_BASELINE_SQL=...] [FINEHERO_BENCH_BASELINE_SETTINGS=...]
#        [FINEHERO_BENCH_OUT=...]]
#        src/bench/tasks-throughput.sh [tasks] [warm-up tasks]
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

start_server() { # $1 jar, $2 "<workers> <claim batch>" (lib.sh's task settings when empty)
  # locals, so bench_start_tasks_server sees them and lib.sh's stay as they were
  local bench_task_workers="$bench_task_workers" bench_task_claim_batch="$bench_task_claim_batch"
  if [ -n "${2:-}" ]; then read -r bench_task_workers bench_task_claim_batch <<<"$2"; fi
  bench_start_tasks_server "$work" $port bench_tasks "$1" "${flags[@]}"
  bench_await_ready "$port" || { echo "tasks-throughput: the server did not become ready" >&2; exit 1; }
}
stop_server() {
  kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""
  psql -h 127.0.0.1 -U postgres test -qc 'DROP SCHEMA IF EXISTS bench_tasks CASCADE' >/dev/null 2>&1 || true
}

if [ -n "${FINEHERO_BENCH_BASELINE:-}" ]; then
  baseline_jar="$(bench_jar_of "$FINEHERO_BENCH_BASELINE")"
  for round in 1 2 3; do
    for build in baseline head; do
      jar="$root/server/target/finehero-server.jar" settings=""
      if [ "$build" = baseline ]; then jar="$baseline_jar" settings="${FINEHERO_BENCH_BASELINE_SETTINGS:-}"; fi
      start_server "$jar" "$settings"
      if [ "$build" = baseline ] && [ -n "${FINEHERO_BENCH_BASELINE_SQL:-}" ]; then
        # its own -c: psql runs one -c string as one transaction, which some statements refuse
        PGOPTIONS='-c search_path=bench_tasks' psql -h 127.0.0.1 -U postgres test -v ON_ERROR_STOP=1 -qc "$FINEHERO_BENCH_BASELINE_SQL"
      fi
      run com.finehero.bench.TaskThroughputBench measure 127.0.0.1 $port "$tasks" "$warmup" "$work/$build-$round.json"
      stop_server
    done
  done
  python3 - "$work" "${FINEHERO_BENCH_OUT:-$root/src/bench/results/tasks-vs-baseline.json}" "$(git -C "$root" rev-parse "$FINEHERO_BENCH_BASELINE")" \
      "$(git -C "$root" rev-parse HEAD)" "$tasks" "$warmup" "${FINEHERO_BENCH_BASELINE_SQL:-}" \
      "$bench_task_workers $bench_task_claim_batch" "${FINEHERO_BENCH_BASELINE_SETTINGS:-$bench_task_workers $bench_task_claim_batch}" <<'PY'
import json, sys, os, statistics, datetime
work, out, base, head, tasks, warmup, base_sql, head_settings, base_settings = sys.argv[1:10]
builds = {b: [json.load(open(os.path.join(work, f"{b}-{r}.json"))) for r in (1, 2, 3)] for b in ("baseline", "head")}
summary = {}
for build, runs in builds.items():
    summary[build] = {"median_tasks_per_second": statistics.median(r["tasks_per_second"] for r in runs),
                      "median_submitted_per_second": statistics.median(r["submitted_per_second"] for r in runs),
                      "median_single_submit_p99_ms": statistics.median(r["single_submit_p99_ms"] for r in runs),
                      "rounds": runs}
result = {"benchmark": "tasks_vs_baseline", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
          "machine": {"cpus": os.cpu_count(), "load_average_end": open("/proc/loadavg").read().split()[:3]},
          "how": f"no-op tasks through one FineHero server on PostgreSQL (TaskThroughputBench measure: {warmup} warm-up then {tasks} submitted in batches of 500 from 2 callers, 200 single SubmitTask calls alongside), the baseline revision's jar and HEAD's in alternating rounds, a fresh schema each",
          "baseline_revision": base, "head_revision": head, "builds": summary,
          **({"baseline_sql_after_migrations": base_sql} if base_sql else {}),
          "task_settings": {build: dict(zip(("workers", "claim_batch"), map(int, settings.split())))
                            for build, settings in (("baseline", base_settings), ("head", head_settings))},
          "head_vs_baseline": round(summary["head"]["median_tasks_per_second"] / summary["baseline"]["median_tasks_per_second"], 3)}
json.dump(result, open(out, "w"), indent=2)
print(json.dumps({b: {k: v for k, v in s.items() if k != "rounds"} for b, s in summary.items()}, indent=1), result["head_vs_baseline"])
PY
  finished=yes
  exit 0
fi

run com.finehero.bench.TaskThroughputBench baseline "$pg_url" postgres "$tasks" 4 "$work/baseline.json"
start_server "$root/server/target/finehero-server.jar"
run com.finehero.bench.TaskThroughputBench measure 127.0.0.1 $port "$tasks" "$warmup" "$work/measure.json"
run com.finehero.bench.TaskThroughputBench report "$work/baseline.json" "$work/measure.json" "$root/src/bench/results/tasks-throughput.json"
finished=yes
