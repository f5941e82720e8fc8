#!/usr/bin/env bash
# Where PostgreSQL's time goes per task, statement by statement: one FineHero server, set up as
# tasks-throughput.sh runs it, on a PostgreSQL of this script's own (initdb on a free port with the
# machine's binaries, default settings plus pg_stat_statements; stopped by its pid at the end, no shared
# service touched). After a warm-up of no-op tasks, pg_stat_statements is reset and the measured tasks
# are submitted (batches of 500 from 2 callers, 200 single SubmitTask calls alongside) and run to
# completion. Writes src/bench/results/tasks-statements.json: per statement (the 25 costliest) its calls,
# rows, execution and planning milliseconds and microseconds per task. Execution time includes what a
# statement waited for (locks, I/O), not only its CPU. With FINEHERO_BENCH_BASELINE=<revision>, that
# revision's server is measured the same way first, on the same database, under "baseline".
# Usage: [FINEHERO_BENCH_BASELINE=<revision>] src/bench/tasks-statements.sh [tasks=50000] [warm-up tasks=30000]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
tasks="${1:-50000}" warmup="${2:-30000}"
port=18292
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
work="$(mktemp -d)"
chmod 755 "$work"
pg_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
server="" pg_pid=""
cleanup() {
  [ -n "$server" ] && { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  [ -n "$pg_pid" ] && { kill -INT "$pg_pid" 2>/dev/null || true; while kill -0 "$pg_pid" 2>/dev/null; do sleep 0.1; done; }
  if [ "${finished:-no}" = no ] && [ -f "$work/server.log" ]; then echo "server log (last 40 lines):" >&2; tail -40 "$work/server.log" >&2; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/pg" && [ "$(id -u)" != 0 ] || chown postgres "$work/pg"
as_postgres "$pg_bin/initdb" -D "$work/pg/data" -A trust -U postgres >/dev/null
cat >>"$work/pg/data/postgresql.conf" <<CONF
port = $pg_port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work/pg'
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
pg_stat_statements.track_planning = on
CONF
as_postgres "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w start >/dev/null
pg_pid="$(head -n 1 "$work/pg/data/postmaster.pid")"
sql() { psql -h 127.0.0.1 -p "$pg_port" -U postgres "$@"; }
sql -qc "CREATE DATABASE test" postgres
sql -qc "CREATE EXTENSION pg_stat_statements" test
flags=(--sun-misc-unsafe-memory-access=allow)

measure() { # $1 name, $2 jar: writes $work/$1.json
  sql -qc "DROP SCHEMA IF EXISTS bench_statements CASCADE" test 2>/dev/null
  bench_pg_url="jdbc:postgresql://127.0.0.1:$pg_port/test" bench_start_tasks_server "$work" $port bench_statements "$2" "${flags[@]}"
  bench_await_ready "$port" || { echo "tasks-statements: the server did not become ready" >&2; exit 1; }
  "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" com.finehero.bench.TaskThroughputBench measure 127.0.0.1 $port "$warmup" 0 "$work/$1-warmup.json" >/dev/null
  sql -qAtc "SELECT pg_stat_statements_reset()" test >/dev/null
  "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" com.finehero.bench.TaskThroughputBench measure 127.0.0.1 $port "$tasks" 0 "$work/$1-load.json" | tail -n 1
  sql -qAtc "SELECT coalesce(json_agg(s), '[]') FROM (SELECT calls, rows, round(total_exec_time::numeric, 1) AS exec_ms,
        round(total_plan_time::numeric, 1) AS plan_ms, left(regexp_replace(query, '\s+', ' ', 'g'), 160) AS statement
      FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
      ORDER BY total_exec_time + total_plan_time DESC LIMIT 25) s" test >"$work/$1-statements.json"
  kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""
}

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
builds=()
if [ -n "${FINEHERO_BENCH_BASELINE:-}" ]; then
  measure baseline "$(bench_jar_of "$FINEHERO_BENCH_BASELINE")"
  builds+=(baseline)
fi
measure head "$root/server/target/finehero-server.jar"
builds+=(head)
python3 - "$work" "$root/src/bench/results/tasks-statements.json" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$("$pg_bin/postgres" --version)" "$(git -C "$root" rev-parse HEAD)" "${FINEHERO_BENCH_BASELINE:+$(git -C "$root" rev-parse "$FINEHERO_BENCH_BASELINE")}" \
    "${builds[@]}" <<'PY'
import datetime, json, os, sys
work, out, load_start, load_end, postgres, head, baseline = sys.argv[1:8]
result = {
    "benchmark": "tasks_postgresql_statements",
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "machine": {"cpus": os.cpu_count(), "load_average_start": load_start, "load_average_end": load_end,
                "note": "the server, its PostgreSQL and the load client share the cores"},
    "postgresql": postgres + ", its own cluster: default settings plus pg_stat_statements",
    "method": "one FineHero server (pool 16, workers and claim batch as src/bench/lib.sh sets them) on a fresh schema; warm-up no-op tasks, then "
              "pg_stat_statements reset and the measured no-op tasks submitted in batches of 500 from 2 callers with 200 "
              "single SubmitTask calls alongside, until all succeeded; per task = the statement's execution and planning "
              "time over the measured tasks (execution includes waits for locks and I/O)",
    "revisions": {"head": head, **({"baseline": baseline} if baseline else {})},
}
for name in sys.argv[8:]:
    load = json.load(open(f"{work}/{name}-load.json"))
    rows = json.load(open(f"{work}/{name}-statements.json"))
    for row in rows:
        row["us_per_task"] = round((float(row["exec_ms"]) + float(row["plan_ms"])) * 1000 / load["tasks"], 1)
    result[name] = {"load": load, "statements": rows,
                    "us_per_task_top_25": round(sum(r["us_per_task"] for r in rows), 1)}
json.dump(result, open(out, "w"), indent=1)
open(out, "a").write("\n")
PY
finished=yes
echo "tasks-statements: results in src/bench/results/tasks-statements.json"
