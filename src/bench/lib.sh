# Sourced by the benchmark scripts after the build: what every benchmark server and load tool shares.
# The server runs with security on (the shipped default); the first admin and the signing key are made
# up for the run, and rate limits are lifted so they measure the checks, not the refusals.
bench_secure_env() {
  export FINEHERO_AUTH_BOOTSTRAP_ADMIN_PASSWORD="bench-admin-password"
  export FINEHERO_BENCH_PASSWORD="$FINEHERO_AUTH_BOOTSTRAP_ADMIN_PASSWORD"
  # the load tools sign in as this admin at once: no forced change of the made-up password
  export FINEHERO_AUTH_BOOTSTRAP_dash_ADMIN_MUST_dash_CHANGE_dash_PASSWORD=false
  FINEHERO_AUTH_JWT_KEYS="$("$JAVA_HOME/bin/java" -jar "$root/server/target/finehero-server.jar" new-signing-key --kid bench)"
  export FINEHERO_AUTH_JWT_KEYS
  # rate limits on, but far above what any run makes: the buckets are consulted on every call
  export FINEHERO_SECURITY_RATE_dash_LIMITS_PER_dash_IDENTITY=1000000000
  export FINEHERO_SECURITY_RATE_dash_LIMITS_GLOBAL=1000000000
  export FINEHERO_SECURITY_RATE_dash_LIMITS_PER_dash_ADDRESS=1000000000
}

# The bench module's jar and the libraries beside it: the peers, floors and load clients. FineHero's server
# jar comes before the rest, as it does for the server itself: it carries FineHero's patched Helidon classes
# (server/src/main/java/io/helidon), which the Helidon peer runs on as FineHero's transport. A `libs/*`
# entry is expanded in directory order, which put Helidon's own jars first on some checkouts and not others.
bench_cp="$root/bench/target/finehero-bench-0.1.0-SNAPSHOT.jar:$root/bench/target/libs/finehero-server-0.1.0-SNAPSHOT.jar:$root/bench/target/libs/*"

# Starts a FineHero server in the background as bin/finehero-server starts it (server/jvm.options; the
# environment of server/jvm.env where not already set; on JDK 24+ the flag Netty needs), on the shared
# PostgreSQL in the given schema and on Redis with the schema as its key prefix, with the given settings
# (they win over the environment) and java options (after jvm.options: a later option wins). Its output
# goes to the log file, in whose directory it runs. Sets $bench_started to the pid of its java (exec:
# stopping that pid stops the server, and /proc and jcmd reach it); the caller waits for readiness
# (bench_await_ready). --no-jvm-options leaves out jvm.options and --no-jvm-env jvm.env, for runs that
# measure what they do.
# Usage: bench_start_finehero [--no-jvm-options] [--no-jvm-env] jar port schema log [NAME=value ...] [-- java option ...]
bench_start_finehero() {
  local with_options=true with_env=true
  while :; do
    case "$1" in
      --no-jvm-options) with_options=false; shift ;;
      --no-jvm-env) with_env=false; shift ;;
      *) break ;;
    esac
  done
  local jar="$1" port="$2" schema="$3" log="$4"; shift 4
  local settings=() envs=() options=() setting name
  while [ $# -gt 0 ] && [ "$1" != -- ]; do settings+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  if [ "$with_env" = true ]; then
    while IFS= read -r setting; do
      name="${setting%%=*}"
      [ -n "${!name+set}" ] || envs+=("$setting")
    done < <(finehero_jvm_env "$root")
  fi
  [ "$with_options" = true ] && options=("@$root/server/jvm.options")
  if [ "$(finehero_java_major "$JAVA_HOME")" -ge 24 ]; then options+=(--sun-misc-unsafe-memory-access=allow); fi
  (cd "$(dirname "$log")" && exec env SERVER_PORT="$port" FINEHERO_DB_URL=jdbc:postgresql://127.0.0.1:5432/test \
      FINEHERO_DB_USER=postgres FINEHERO_DB_SCHEMA="$schema" FINEHERO_REDIS_ADDRESS=redis://127.0.0.1:6379 \
      FINEHERO_REDIS_PREFIX="$schema" "${envs[@]}" "${settings[@]}" \
      "$JAVA_HOME/bin/java" "${options[@]}" "$@" --enable-native-access=ALL-UNNAMED -jar "$jar" >"$log" 2>&1) &
  bench_started=$!
}

# A process's CPU time so far, in clock ticks (getconf CLK_TCK): user and system from /proc/<pid>/stat.
# Usage: bench_cpu_ticks pid
bench_cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# A process's counters so far, space-separated: user and system CPU in clock ticks (/proc/<pid>/stat),
# then its read and write system calls (/proc/<pid>/io).
# Usage: bench_process_counters pid
bench_process_counters() { echo "$(awk '{print $14, $15}' "/proc/$1/stat") $(awk '/^syscr|^syscw/ {print $2}' "/proc/$1/io" | tr '\n' ' ')"; }

# Summarises alternating-round runs (one JSON line each, with "name") as each mode's median run and its
# throughput as a ratio of the baseline mode.
# Usage: bench_ratio_report runs.ndjson out.json benchmark-name baseline-mode rounds seconds 'extra JSON object'
bench_ratio_report() {
  python3 - "$@" <<'PY'
import json, sys, datetime, os
runs_file, out, name, baseline, rounds, seconds, extra = sys.argv[1:8]
runs = [json.loads(l) for l in open(runs_file)]
modes = {}
for r in runs:
    modes.setdefault(r["name"], []).append(r)
def median_run(rs):
    return sorted(rs, key=lambda r: r["calls_per_second"])[len(rs) // 2]
base = median_run(modes[baseline])["calls_per_second"]
result = {"benchmark": name, "date": datetime.datetime.utcnow().isoformat() + "Z", "cpus": os.cpu_count(),
          "rounds": int(rounds), "seconds": int(seconds), "concurrency": 32, **json.loads(extra), "modes": {}}
for mode, rs in modes.items():
    m = median_run(rs)
    result["modes"][mode] = {"median": m, "all_calls_per_second": [r["calls_per_second"] for r in rs],
                             "throughput_vs_" + baseline: round(m["calls_per_second"] / base, 3),
                             "cost": round(1 - m["calls_per_second"] / base, 3)}
json.dump(result, open(out, "w"))
print(json.dumps(result))
PY
}

# Builds the server jar of another revision (a clean worktree of it, offline) so a run can measure a
# change against what it replaces, side by side; prints the jar's path. Kept, with the libs/ its manifest
# names, in target/bench-jars/<commit>/.
# Usage: bench_jar_of revision
bench_jar_of() {
  local commit dir tree
  commit="$(git -C "$root" rev-parse --verify "$1^{commit}")"
  dir="$root/target/bench-jars/$commit"
  if [ ! -f "$dir/finehero-server.jar" ]; then
    tree="$(mktemp -d)"
    git -C "$root" worktree add -q --detach "$tree" "$commit" >&2
    (cd "$tree" && ./mvnw -q -B -o -pl server -am package -DskipTests >&2)
    rm -rf "$dir" && mkdir -p "$dir"
    cp -r "$tree/server/target/finehero-server.jar" "$tree/server/target/libs" "$dir/"
    git -C "$root" worktree remove --force "$tree" >&2
  fi
  echo "$dir/finehero-server.jar"
}

# Waits until the server on 127.0.0.1:port answers readiness 200; fails after the given seconds.
# Usage: bench_await_ready port [seconds=120]
bench_await_ready() {
  local port="$1" tries=$(( ${2:-120} * 5 ))
  for _ in $(seq 1 "$tries"); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/observe/health/ready")" = 200 ] && return 0
    sleep 0.2
  done
  return 1
}

# Prints an access token of the run's admin (bench_secure_env's made-up password).
# Usage: bench_admin_token http://host:port
bench_admin_token() {
  curl -sf -X POST "$1/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\": \"admin\", \"password\": \"$FINEHERO_BENCH_PASSWORD\"}" \
    | python3 -c "import json,sys; print(json.load(sys.stdin)['accessToken'])"
}

# Writes a gRPC request body (the 5-byte frame header and the message) for h2load's -d: a message with
# one string field, number 1 (GetFineRequest's fine_id and its like).
# Usage: bench_grpc_string_request out.bin value
bench_grpc_string_request() {
  python3 - "$1" "$2" <<'PY'
import struct, sys
value = sys.argv[2].encode()
message = b"\x0a" + bytes([len(value)]) + value
open(sys.argv[1], "wb").write(b"\x00" + struct.pack(">I", len(message)) + message)
PY
}

# Fails unless one unary gRPC call with that body answers grpc-status 0: h2load counts HTTP 200 as
# success, and a refused gRPC call is an HTTP 200 too, so every h2load target is checked first.
# Usage: bench_grpc_check url body.bin [header ...]
bench_grpc_check() {
  local url="$1" body="$2"; shift 2
  local args=(-s --http2-prior-knowledge -o /dev/null -D - -H 'content-type: application/grpc' -H 'te: trailers' --data-binary "@$body")
  for h in "$@"; do args+=(-H "$h"); done
  local status
  status="$(curl "${args[@]}" "$url" | tr -d '\r' | awk -F': ' 'tolower($1)=="grpc-status" {print $2}' | tail -n 1)"
  if [ "$status" != 0 ]; then echo "bench: $url answered grpc-status '${status}', not 0" >&2; return 1; fi
}

# One h2load run of a unary gRPC call (one connection, $streams concurrent streams), appended to
# runs.ndjson as one JSON line shaped like the Java load tools' (name, calls, errors, calls_per_second,
# p50/p95/p99/max in ms), latencies from h2load's per-request log.
# Usage: bench_h2load_grpc label url body.bin seconds streams runs.ndjson [header ...]
bench_h2load_grpc() {
  local label="$1" url="$2" body="$3" seconds="$4" streams="$5" out="$6"; shift 6
  local log; log="$(mktemp)"
  local args=(-c 1 -m "$streams" -D "$seconds" --log-file="$log" -d "$body" -H 'content-type: application/grpc' -H 'te: trailers')
  for h in "$@"; do args+=(-H "$h"); done
  h2load "${args[@]}" "$url" >"$log.out" 2>&1 || { cat "$log.out" >&2; rm -f "$log" "$log.out"; return 1; }
  python3 - "$label" "$seconds" "$log" "$log.out" "$out" <<'PY'
import json, re, sys
label, seconds, log, summary, out = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
lat, errors = [], 0
for line in open(log):
    parts = line.split()
    if len(parts) < 3:
        continue
    status, micros = int(parts[1]), int(parts[2])
    if status != 200:
        errors += 1
    lat.append(micros / 1000.0)
lat.sort()
text = open(summary).read()
rate = float(re.search(r"finished in [0-9.]+m?s, ([0-9.]+) req/s", text).group(1))
# a stream the server reset or a connection it dropped is in h2load's summary, not in its log of answers
failed = re.search(r"requests: .* (\d+) failed", text)
errors = max(errors, int(failed.group(1)) if failed else 0)
def pct(p):
    return round(lat[min(len(lat) - 1, int(len(lat) * p))], 3) if lat else None
run = {"name": label, "instrument": "h2load", "calls": len(lat), "errors": errors, "seconds": seconds,
       "calls_per_second": rate, "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
       "max_ms": lat[-1] if lat else None}
open(out, "a").write(json.dumps(run) + "\n")
print(json.dumps(run))
PY
  rm -f "$log" "$log.out"
}

# One wrk run of an HTTP GET ($connections connections on one client thread, as h2load's one), appended to
# runs.ndjson as one JSON line shaped like bench_h2load_grpc's; non-2xx answers count as errors, and the
# percentiles are wrk's --latency distribution (p95 is not among them: null).
# Usage: bench_wrk_get label url seconds connections runs.ndjson [header ...]
bench_wrk_get() {
  local label="$1" url="$2" seconds="$3" connections="$4" out="$5"; shift 5
  local args=(-t 1 -c "$connections" -d "${seconds}s" --latency)
  for h in "$@"; do args+=(-H "$h"); done
  local text; text="$(mktemp)"
  wrk "${args[@]}" "$url" >"$text" 2>&1 || { cat "$text" >&2; rm -f "$text"; return 1; }
  python3 - "$label" "$seconds" "$text" "$out" <<'PY'
import json, re, sys
label, seconds, text, out = sys.argv[1], float(sys.argv[2]), open(sys.argv[3]).read(), sys.argv[4]
def ms(value, unit):
    return round(float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit], 3)
pct = {int(p): ms(v, u) for p, v, u in re.findall(r"^\s+(\d+)%\s+([0-9.]+)(us|ms|s|m)\s*$", text, re.M)}
calls = int(re.search(r"(\d+) requests in", text).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors = int(non2xx.group(1)) if non2xx else 0
socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
if socket:
    errors += sum(int(g) for g in socket.groups())
latency_max = re.search(r"Latency\s+\S+\s+\S+\s+([0-9.]+)(us|ms|s|m)", text)
run = {"name": label, "instrument": "wrk", "calls": calls, "errors": errors, "seconds": seconds,
       "calls_per_second": float(re.search(r"Requests/sec:\s+([0-9.]+)", text).group(1)),
       "p50_ms": pct.get(50), "p95_ms": None, "p99_ms": pct.get(99),
       "max_ms": ms(*latency_max.groups()) if latency_max else None}
open(out, "a").write(json.dumps(run) + "\n")
print(json.dumps(run))
PY
  rm -f "$text"
}

# The task settings the task benchmarks run the server with, set for short tasks as docs/tasks.md advises:
# 1,024 workers (virtual threads) and claims of up to 500; 256 and 200 ran 0.8x as many no-op tasks a
# second (src/bench/results/tasks-claim-settings.json).
bench_task_workers="${bench_task_workers:-1024}" bench_task_claim_batch="${bench_task_claim_batch:-500}"

# Starts the server the task benchmarks measure, in the background, on PostgreSQL's database test in
# its own schema: pool 16, $bench_task_workers workers, claims of up to $bench_task_claim_batch, no overdue
# sweep. Sets $server to the pid of its java (exec: jcmd reaches it by that pid); the caller waits for readiness.
# On the shared PostgreSQL unless bench_pg_url names another database (a cluster of the script's own).
# Usage: [bench_pg_url=jdbc:postgresql://...] bench_start_tasks_server work port schema jar [java option ...]
bench_start_tasks_server() {
  local work="$1" port="$2" schema="$3" jar="$4"; shift 4
  (cd "$work" && exec env SERVER_PORT="$port" FINEHERO_DB_URL="${bench_pg_url:-jdbc:postgresql://127.0.0.1:5432/test}" FINEHERO_DB_USER=postgres \
      FINEHERO_DB_SCHEMA="$schema" FINEHERO_DB_POOL_MAX=16 FINEHERO_TASKS_WORKERS="$bench_task_workers" \
      FINEHERO_TASKS_CLAIM_dash_BATCH="$bench_task_claim_batch" \
      FINEHERO_TASKS_SCHEDULES_OVERDUE_dash_SWEEP="" \
      "$JAVA_HOME/bin/java" "$@" -jar "$jar" >>"$work/server.log" 2>&1) &
  server=$!
}

# Records one JFR window (settings=profile, plus an event per new TLAB and per allocation outside one)
# of a running server while a load command runs, then writes work/<name>.json (its CPU, allocation and
# heap events) and work/<name>.hot.txt for jfr-summary.py.
# The server's JVM needs -XX:+FlightRecorder; pid is the java process itself (start it with exec).
# Usage: bench_jfr_record pid work name command [args ...]
bench_jfr_record() {
  local pid="$1" work="$2" name="$3"; shift 3
  [ -f "$work/profile-tlabs.jfc" ] || "$JAVA_HOME/bin/jfr" configure --input profile --output "$work/profile-tlabs.jfc" \
      jdk.ObjectAllocationInNewTLAB#enabled=true jdk.ObjectAllocationInNewTLAB#stackTrace=true \
      jdk.ObjectAllocationOutsideTLAB#enabled=true jdk.ObjectAllocationOutsideTLAB#stackTrace=true >/dev/null
  "$JAVA_HOME/bin/jcmd" "$pid" JFR.start name="$name" settings="$work/profile-tlabs.jfc" filename="$work/$name.jfr" >/dev/null
  "$@"
  "$JAVA_HOME/bin/jcmd" "$pid" JFR.stop name="$name" >/dev/null
  "$JAVA_HOME/bin/jfr" print --json --stack-depth 64 \
      --events jdk.ExecutionSample,jdk.ObjectAllocationSample,jdk.ObjectAllocationInNewTLAB,jdk.ObjectAllocationOutsideTLAB,jdk.GCHeapSummary \
      "$work/$name.jfr" >"$work/$name.json"
  "$JAVA_HOME/bin/jfr" view --width 220 hot-methods "$work/$name.jfr" >"$work/$name.hot.txt" 2>&1 || true
}
