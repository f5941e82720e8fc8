#!/usr/bin/env bash
# Where the task engine's time and allocation go: one FineHero server on PostgreSQL set up as
# tasks-throughput.sh runs it, recorded with JFR (settings=profile) while no-op tasks are submitted in
# batches (and 200 single SubmitTask calls) and run to completion, after a warm-up of the same.
# Writes src/bench/results/tasks-profile.json (per task: CPU by category, hottest methods, bytes
# allocated; see jfr-summary.py; and the CPU seconds the server's JVM, PostgreSQL and everything else
# (the load client, Redis) used in the window, from /proc; and what PostgreSQL's sessions were waiting on,
# sampled from pg_stat_activity every 50 ms). With FINEHERO_BENCH_BASELINE=<revision>,
# that revision's server is recorded the same way first, in the same run, under "baseline".
# Usage: [FINEHERO_BENCH_BASELINE=<revision>] src/bench/tasks-profile.sh [tasks=50000] [warm-up tasks=40000]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
tasks="${1:-50000}" warmup="${2:-40000}"
port=18284 schema=bench_tasks_profile
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
work="$(mktemp -d)"
flags=(-XX:+FlightRecorder)
if [ "$(finehero_java_major "$JAVA_HOME")" -ge 24 ]; then flags+=(--sun-misc-unsafe-memory-access=allow); fi
server=""
drop_schema() { psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; }
cleanup() {
  [ -n "$server" ] && { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  drop_schema
  if [ "${finished:-no}" = no ] && [ -f "$work/server.log" ]; then echo "server log (last 40 lines):" >&2; tail -40 "$work/server.log" >&2; fi
  rm -rf "$work"
}
trap cleanup EXIT
cpu_ticks() { # $1 server pid: CPU ticks so far of the server's JVM, of every postgres process, and of the machine (busy)
  python3 - "$1" <<'PY'
import json, os, sys
def ticks(pid):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime
    except OSError:
        return 0
def is_postgres(pid):
    try:
        return open(f"/proc/{pid}/comm").read().strip() == "postgres"
    except OSError:
        return False
cpu = [int(x) for x in open("/proc/stat").readline().split()[1:]]
print(json.dumps({"server_jvm": ticks(sys.argv[1]),
                  "postgresql": sum(ticks(p) for p in os.listdir("/proc") if p.isdigit() and is_postgres(p)),
                  "machine_busy": sum(cpu) - cpu[3] - cpu[4]}))  # all but idle and iowait
PY
}
measure() { # $1 tasks, $2 warm-up tasks, $3 out.json
  "$JAVA_HOME/bin/java" -cp "$bench_cp" com.finehero.bench.TaskThroughputBench measure 127.0.0.1 $port "$1" "$2" "$3"
}
waits() { # samples, every 50 ms until killed, what each PostgreSQL session of the test database is doing and in which statement
  # exec: the background job is psql itself, so killing its pid stops the sampling
  exec psql -h 127.0.0.1 -U postgres test -qAt -F '|' <<'SQL'
SELECT CASE WHEN state = 'idle in transaction' THEN 'Client:idle-in-transaction'
            ELSE coalesce(wait_event_type || ':' || wait_event, 'CPU:running') END,
       left(regexp_replace(query, '\s+', ' ', 'g'), 70)
FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
  AND state IN ('active', 'idle in transaction')
UNION ALL SELECT '#sample', '' \watch 0.05
SQL
}
measured() { # $1 window name: the window's load, with the CPU ticks before and after it and PostgreSQL's wait samples
  cpu_ticks "$server" >"$work/$1.cpu-before.json"
  waits >"$work/$1.waits.txt" 2>/dev/null &
  local sampler=$!
  measure "$tasks" 0 "$work/$1.load.json"
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  cpu_ticks "$server" >"$work/$1.cpu-after.json"
}
profile() { # $1 window name, $2 server jar
  drop_schema
  bench_start_tasks_server "$work" $port $schema "$2" "${flags[@]}"
  bench_await_ready "$port" || { echo "tasks-profile: the server did not become ready" >&2; exit 1; }
  measure "$warmup" 0 "$work/$1.warm-up.json" >/dev/null
  # signed in before the window, so the window's samples hold no password hash
  FINEHERO_BENCH_ACCESS_TOKEN="$(bench_admin_token "http://127.0.0.1:$port")" bench_jfr_record "$server" "$work" "$1" measured "$1"
  # one line for jfr-summary.py: the window's tasks are its calls; and where the machine's CPU went
  python3 - "$1" "$work" >>"$work/runs.ndjson" <<'PY'
import json, os, sys
name, work = sys.argv[1:3]
r = json.load(open(os.path.join(work, name + ".load.json")))
before, after = (json.load(open(os.path.join(work, f"{name}.cpu-{w}.json"))) for w in ("before", "after"))
hz = os.sysconf("SC_CLK_TCK")
spent = {k: round((after[k] - before[k]) / hz, 1) for k in after}
spent["everything_else"] = round(spent.pop("machine_busy") - spent["server_jvm"] - spent["postgresql"], 1)
# lines "<wait type>:<wait event>|<statement>", one per session, each sample ending in "#sample|";
# sessions in each state and in each statement, averaged over the samples
samples, waiting, working = 0, {}, {}
for line in open(os.path.join(work, name + ".waits.txt")):
    wait, _, statement = line.rstrip("\n").partition("|")
    if wait == "#sample":
        samples += 1
    elif statement:
        waiting[wait] = waiting.get(wait, 0) + 1
        if not wait.startswith("Client:"):  # in PostgreSQL, not waiting for the server to send the next statement
            working[statement] = working.get(statement, 0) + 1
average = lambda counts: {k: round(v / max(samples, 1), 2) for k, v in sorted(counts.items(), key=lambda kv: -kv[1])[:15]}
r.update(name=name, calls=r["tasks"], calls_per_second=r["tasks_per_second"], cpu_seconds_in_window=spent,
         cpu_seconds_available=round(r["seconds"] * os.cpu_count(), 1),
         postgresql_sessions={"samples": samples, "average_by_wait": average(waiting),
                              "average_working_by_statement": average(working)})
print(json.dumps(r))
PY
  kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""
}
windows=()
method="no-op tasks through one FineHero server on PostgreSQL (pool 16, $bench_task_workers workers, claims of up to $bench_task_claim_batch); $warmup tasks of warm-up, then JFR settings=profile started by jcmd for $tasks tasks submitted in batches of 500 from 2 callers with 200 single SubmitTask calls alongside, until all succeeded; per call = per task (submitted and run); allocation by caller = the category of the first frame outside the JDK"
if [ -n "${FINEHERO_BENCH_BASELINE:-}" ]; then
  profile baseline "$(bench_jar_of "$FINEHERO_BENCH_BASELINE")"
  windows+=(baseline)
  method="$method; baseline = revision $(git -C "$root" rev-parse "$FINEHERO_BENCH_BASELINE") recorded first in the same run"
fi
profile head "$root/server/target/finehero-server.jar"
windows+=(head)
python3 "$root/src/bench/jfr-summary.py" "$work" "$root/src/bench/results/tasks-profile.json" tasks_profile "$method; head = $(git -C "$root" rev-parse HEAD)" \
    "$work/runs.ndjson" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)" "${windows[@]}"
finished=yes
