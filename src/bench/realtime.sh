#!/usr/bin/env bash
# The event feed at scale: one FineHero on PostgreSQL (a database of the run's own) and Redis (a
# redis-server of the run's own) with 100 and then 10,000 watchers of fines (6 in 10 gRPC, 2 in 10
# Server-Sent Events, 2 in 10 WebSocket) while a producer updates fines at 200 a second; then a second
# instance, 1,000 watchers on it, the producer on the first, and the run's Redis killed for 10 s
# mid-run. Records per run: events missing and duplicated per watcher, delivery lag (commit to
# arrival), database transactions a second, and heap/RSS per idle watcher.
# Writes src/bench/results/realtime.json.
# Usage: src/bench/realtime.sh [watchers] [seconds] [events per second]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
watchers="${1:-10000}" seconds="${2:-30}" rate="${3:-200}"
port_a=18481 port_b=18482 redis_port=18483 db=finehero_bench_realtime
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
export FINEHERO_EVENTS_MAX_dash_STREAMS=20000 FINEHERO_EVENTS_MAX_dash_STREAMS_dash_PER_dash_USER=20000
work="$(mktemp -d)"
flags=(--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  [ -f "$work/redis.pid" ] && { kill -9 "$(cat "$work/redis.pid")" 2>/dev/null || true; }
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db" >/dev/null
start_redis() { # the run's own redis-server; its pid in redis.pid, so whoever restarts it, cleanup stops it
  redis-server --port $redis_port --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >>"$work/redis.log" 2>&1 &
  echo $! >"$work/redis.pid"
  for _ in $(seq 1 50); do [ "$(redis-cli -p $redis_port ping 2>/dev/null)" = PONG ] && return; sleep 0.1; done
  echo "realtime: redis-server on $redis_port did not start" >&2; cat "$work/redis.log" >&2; exit 1
}
start_redis
start() { # $1 port
  (cd "$work" && exec env SERVER_PORT=$1 FINEHERO_DB_URL=jdbc:postgresql://127.0.0.1:5432/$db FINEHERO_DB_USER=postgres \
      FINEHERO_REDIS_ADDRESS=redis://127.0.0.1:$redis_port "$JAVA_HOME/bin/java" "${flags[@]}" \
      -jar "$root/server/target/finehero-server.jar" >"$work/server-$1.log" 2>&1) &
  pids+=($!)
  for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/observe/health/ready")" = 200 ] && return
    sleep 0.2
  done
  echo "realtime: the server on $1 did not become ready" >&2; cat "$work/server-$1.log" >&2; exit 1
}
java_pid_on() { # the server JVM listening on $1 (the subshell's exec made it the same pid)
  ss -ltnp "sport = :$1" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2
}
bench() { # label watch-port producer-port watchers seconds [server pid]
  "$JAVA_HOME/bin/java" "${flags[@]}" -Xss512k -cp "$bench_cp" \
    com.finehero.bench.RealtimeBench "$1" 127.0.0.1 "$2" "$3" "$4" "$rate" "$5" \
    "jdbc:postgresql://127.0.0.1:5432/$db" "$work/runs.ndjson" "${6:-0}"
}
start $port_a
pid_a="$(java_pid_on $port_a)"
bench "100 watchers" $port_a $port_a 100 "$seconds" "$pid_a"
bench "$watchers watchers" $port_a $port_a "$watchers" "$seconds" "$pid_a"
start $port_b
# the second instance's watchers hear the first instance's commits; the run's Redis dies for 10 s mid-run
( sleep $((seconds / 3 + 20)); kill -9 "$(cat "$work/redis.pid")"; echo "realtime: Redis killed" >&2; sleep 10; start_redis
  echo "realtime: Redis back" >&2 ) &
killer=$!
bench "two instances, Redis killed 10 s" $port_b $port_a 1000 "$seconds"
wait $killer || true
python3 - "$work/runs.ndjson" "$root/src/bench/results/realtime.json" "$watchers" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys, datetime, os, platform
runs = [json.loads(l) for l in open(sys.argv[1])]
small, large, pair = runs[0], runs[1], runs[2]
# the producer's own updates are transactions too, and more of them succeed in one run than another:
# what must not grow with the watchers is the database work per event, and the work while idle
def per_event(r):
    return r["db_transactions_per_second"] * r["seconds"] / max(1, r["events_acknowledged"])
db_ratio = per_event(large) / per_event(small)
idle_ratio = large["db_transactions_per_second_idle"] / max(0.1, small["db_transactions_per_second_idle"])
result = {
    "benchmark": "realtime_event_feed", "date": datetime.datetime.utcnow().isoformat() + "Z", "cpus": os.cpu_count(),
    "machine": platform.node(), "load_average_at_end": sys.argv[4],
    "setup": "one FineHero on PostgreSQL + its own redis-server, load client on the same box; each watcher watches one fine (10 per fine); producer: UpdateFine at a fixed rate",
    "targets": {"lag_p99_ms_max": 1000, "events_missing": 0, "events_duplicated": 0,
                "db_transactions_per_event_10k_vs_100_max": 1.1, "two_instances_lag_p99_ms_max": 1000},
    "met": {"every_watcher_open": all(r["watchers_open"] == r["watchers"] for r in runs),
            "every_update_acknowledged": all(r["producer_failures"] == 0 and r["events_acknowledged"] > 0 for r in runs),
            "lag_p99": large["lag_p99_ms"] < 1000, "none_missing": all(r["events_missing"] == 0 for r in runs),
            "none_duplicated": all(r["events_duplicated"] == 0 for r in runs),
            "db_transactions_flat": db_ratio <= 1.1, "two_instances_lag_p99": pair["lag_p99_ms"] < 1000},
    "db_transactions_per_event_10k_vs_100": round(db_ratio, 3),
    "db_transactions_idle_10k_vs_100": round(idle_ratio, 3),
    "runs": runs}
json.dump(result, open(sys.argv[2], "w"), indent=1)
print(json.dumps(result, indent=1))
PY
