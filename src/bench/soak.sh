#!/usr/bin/env bash
# Soak: FineHero in production mode (PostgreSQL + Redis, security on) under the mixed-day scenario at
# half of its saturation rate for a long run, sampling the server process every interval: heap used
# right after a full GC, RSS, threads, open files and database connections. Writes
# src/bench/results/soak.json with every sample and the first vs the last five minutes' means; the
# target is each within 10%.
# The soak starts after a warm-up at the same rate (caches fill, the JIT settles, the heap finds its
# size), so what is compared is growth under steady load, not start-up.
# Usage: src/bench/soak.sh [minutes=30] [sample-seconds=30] [warm-up-minutes=5]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
minutes="${1:-30}" every="${2:-30}" warmup="${3:-5}"
port=18386
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
work="$(mktemp -d)"
flags=()
if [ "$(finehero_java_major "$JAVA_HOME")" -ge 24 ]; then flags+=(--sun-misc-unsafe-memory-access=allow); fi
schema=bench_soak
server=""
load=""
cleanup() {
  [ -n "$load" ] && kill "$load" 2>/dev/null || true
  [ -n "$server" ] && { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  redis-cli -p 6379 --scan --pattern 'bench-soak*' | xargs -r redis-cli -p 6379 del >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true

(cd "$work" && exec env SERVER_PORT=$port FINEHERO_DB_URL=jdbc:postgresql://127.0.0.1:5432/test FINEHERO_DB_USER=postgres \
    FINEHERO_DB_SCHEMA=$schema FINEHERO_REDIS_ADDRESS=redis://127.0.0.1:6379 FINEHERO_REDIS_PREFIX=bench-soak \
    "$JAVA_HOME/bin/java" "${flags[@]}" -Xlog:gc:file="$work/gc.log" -jar "$root/server/target/finehero-server.jar" >"$work/server.log" 2>&1) &
server=$!
for _ in $(seq 1 300); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/observe/health/ready")" = 200 ] && break
  sleep 0.1
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/observe/health/ready")" = 200 ] \
  || { echo "soak: the server did not become ready; its log:" >&2; tail -50 "$work/server.log" >&2; exit 1; }

load_tool() {
  FINEHERO_PASSWORD="$FINEHERO_BENCH_PASSWORD" "$JAVA_HOME/bin/java" "${flags[@]}" \
    -cp "$bench_cp" com.finehero.bench.load.LoadTool \
    --target "127.0.0.1:$port" --scenario mixed-day "$@"
}

# saturation: closed loop with enough users to keep both cores busy
load_tool --users 32 --warmup PT10S --duration PT20S --report "$work/saturation.json" >"$work/saturation.txt"
saturation="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests_per_second"])' "$work/saturation.json")"
rate="$(python3 -c "print(round($saturation / 2, 1))")"
echo "soak: saturation $saturation calls/s; soaking at $rate calls/s for $minutes minutes"

load_tool --users 32 --rate "$rate" --warmup "PT${warmup}M" --duration "PT${minutes}M" --report "$work/soak-load.json" >"$work/soak-load.txt" 2>&1 &
load=$!
until grep -q '^running' "$work/soak-load.txt" 2>/dev/null; do # seeded: the warm-up starts
  kill -0 "$load" 2>/dev/null || { echo "soak: the load tool stopped:" >&2; tail -20 "$work/soak-load.txt" >&2; exit 1; }
  sleep 1
done
sleep $(( warmup * 60 ))

sample() { # one JSON line: seconds since start, heap after a full GC, RSS, threads, open files, database connections
  "$JAVA_HOME/bin/jcmd" "$server" GC.run >/dev/null 2>&1 || true
  local heap rss threads files connections
  # the GC log's last "Pause Full (Diagnostic Command) 300M->60M(512M)": what that full GC left
  heap="$( (grep -o 'Pause Full (Diagnostic Command) [0-9]*M->[0-9]*M' "$work/gc.log" || true) | tail -1 | sed -E 's/.*->([0-9]+)M/\1/')"
  heap=$(( ${heap:-0} * 1024 ))
  rss="$(awk '/^VmRSS:/ { print $2 }' "/proc/$server/status")"
  threads="$(awk '/^Threads:/ { print $2 }' "/proc/$server/status")"
  files="$(ls "/proc/$server/fd" | wc -l)"
  connections="$(ss -tnpH state established "( dport = :5432 )" 2>/dev/null | grep -c "pid=$server," || true)"
  echo "{\"t\": $1, \"heap_after_gc_kb\": ${heap:-0}, \"rss_kb\": $rss, \"threads\": $threads, \"open_files\": $files, \"db_connections\": $connections}"
}

started=$(date +%s)
: >"$work/samples.ndjson"
while kill -0 "$load" 2>/dev/null; do
  sample $(( $(date +%s) - started )) >>"$work/samples.ndjson"
  sleep "$every"
done
wait "$load" || true
load=""

python3 - "$work/samples.ndjson" "$work/soak-load.json" "$root/src/bench/results/soak.json" "$minutes" "$every" "$saturation" "$rate" "$warmup" <<'PY'
import json, sys, datetime, os, platform
samples_file, load_file, out, minutes, every, saturation, rate, warmup = sys.argv[1:9]
samples = [json.loads(l) for l in open(samples_file) if l.strip()]
load = json.load(open(load_file))
end = samples[-1]["t"]
window = min(300, end / 3)  # a short trial run compares its first and last thirds
first = [s for s in samples if s["t"] <= window]
last = [s for s in samples if s["t"] >= end - window]
metrics = ["heap_after_gc_kb", "rss_kb", "threads", "open_files", "db_connections"]
def mean(rows, m):
    return sum(r[m] for r in rows) / len(rows)
comparison = {}
for m in metrics:
    a, b = mean(first, m), mean(last, m)
    ratio = b / a if a else (1.0 if b == 0 else float("inf"))
    comparison[m] = {"first_5_min_mean": round(a, 1), "last_5_min_mean": round(b, 1), "last_vs_first": round(ratio, 3),
                     "within_10_percent": abs(ratio - 1) <= 0.10}
result = {
    "benchmark": "soak_mixed_day",
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    "machine": {"cpus": os.cpu_count(), "kernel": platform.release(), "load_average_at_end": os.getloadavg()},
    "backend": "PostgreSQL + Redis, security on",
    "what": "one server under the load tool's mixed-day scenario at half its measured saturation rate, sampled after a warm-up at that rate",
    "warmup_minutes": int(warmup),
    "minutes": int(minutes), "sample_every_s": int(every), "compared_window_s": round(window),
    "saturation_calls_per_second": float(saturation), "soak_rate_calls_per_second": float(rate),
    "load": {"total_requests": load["total_requests"], "requests_per_second": load["requests_per_second"],
             "success_rate": load["success_rate"]},
    "target": "first vs last 5 minutes within 10% for heap after GC, RSS, threads, open files and database connections",
    "comparison": comparison,
    "met": all(c["within_10_percent"] for c in comparison.values()),
    "samples": samples,
}
json.dump(result, open(out, "w"), indent=1)
print(json.dumps({k: v for k, v in result.items() if k != "samples"}, indent=1))
PY
