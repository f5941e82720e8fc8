#!/usr/bin/env bash
# Measures FineHero's start-up time to the first healthy response and its idle RSS, on the embedded
# default and (if reachable) PostgreSQL + Redis, against a baseline measured in the same run: the
# same JVM starting and exiting (`java -version`). Every start uses server/jvm.options and
# server/jvm.env, as bin/finehero-server and the image do, except embedded-aot-plain, which shows what
# they buy.
# On JDK 25+ the embedded default is measured as the jar starts bare and with the AOT cache
# bin/finehero-server records and uses (one recording run first: start, ready, stop), once with the
# benchmarks' settings (a first admin created at start on the fresh database, a configured signing key)
# and once with no FINEHERO_ setting at all, as the README's first command starts it; beside two floors,
# each from its own AOT cache: HelidonPeer (Helidon 4.5 serving GetFine from memory over gRPC and HTTP,
# ready at its first 200 on GET /v1/fines/{id}: what the transport alone takes) and MigrationsFloor (a
# JVM applying FineHero's migrations to a new H2 database with Flyway, timed from launch to exit; and
# both in one JVM, overlapped on two threads, ready once both are done). With
# FINEHERO_BENCH_BASELINE=<revision>, that revision's jar is measured too: bare (baseline-embedded) and,
# on JDK 25+, from AOT caches of its own recorded the same way (baseline-aot, baseline-aot-unconfigured).
# FINEHERO_BENCH_MODES="mode ..." measures only those modes; FINEHERO_BENCH_IDLE=0 reads ready times
# only (no idle minute per start); FINEHERO_BENCH_RESULT names the result file (default startup).
# Modes alternate within each round. Writes src/bench/results/startup.json.
# Usage: [FINEHERO_BENCH_BASELINE=<revision>] [FINEHERO_BENCH_MODES=...] [FINEHERO_BENCH_IDLE=0] [FINEHERO_BENCH_RESULT=name]
#        src/bench/startup.sh [runs]   (default 3; a round takes about 9 min, under a minute without the idle readings)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
runs="${1:-3}"
# FINEHERO_BENCH_IDLE=0: ready times only, no minute of idle RSS readings per start (the RSS fields read 0)
idle="${FINEHERO_BENCH_IDLE:-1}"
port=18080
jar="$root/server/target/finehero-server.jar"
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
flags=()
if [ "$(finehero_java_major "$JAVA_HOME")" -ge 24 ]; then flags+=(--sun-misc-unsafe-memory-access=allow); fi

now_ms() { date +%s%3N; }

baseline() {
  local start end
  start=$(now_ms); "$JAVA_HOME/bin/java" -version >/dev/null 2>&1; end=$(now_ms)
  echo $((end - start))
}

# prints "<ms to ready> <rss kB 20 s after ready> <rss kB 60 s after ready> <highest rss kB from 20 to 60 s>"
# (0 for the three when the mode has no server to stay idle)
measure() {
  local mode="$1" start pid ready=0 rss jar="$jar" probe="http://127.0.0.1:$port/observe/health/ready" cache=""
  local -a jvm=("${flags[@]}") main=(-jar "$jar") envs=() unset=()
  # the floors serving GetFine have no readiness check: ready at their first 200 on it
  local getfine="http://127.0.0.1:$port/v1/fines/00000000-0000-0000-0000-000000000001"
  # every start with the options bin/finehero-server and the image use, but the one that shows what they buy
  if [ "$mode" != embedded-aot-plain ]; then
    jvm+=("@$root/server/jvm.options")
    mapfile -t envs < <(finehero_jvm_env "$root")
  fi
  [[ "$mode" == *baseline* ]] && main=(-jar "$baseline_jar")
  case "$mode" in
    embedded-aot|embedded-aot-plain|record-aot) cache=finehero ;;
    baseline-aot|record-baseline-aot) cache=baseline ;;
    embedded-aot-unconfigured|record-aot-unconfigured|baseline-aot-unconfigured|record-baseline-aot-unconfigured)
      cache=unconfigured; [[ "$mode" == *baseline* ]] && cache=baseline-unconfigured
      # the README's first command: no FINEHERO_ setting, so no first admin to create (its password
      # hashed at bcrypt cost 12) and a signing key made for the process
      while read -r name; do unset+=(-u "$name"); done < <(compgen -e | grep '^FINEHERO_') ;;
    helidon-peer-aot|record-helidon-peer) cache=helidon probe="$getfine"
      main=(-cp "$bench_cp" com.finehero.bench.HelidonPeer "$port") ;;
    migrations-floor-aot|record-migrations-floor) cache=migrations
      main=(-cp "$bench_cp" com.finehero.bench.MigrationsFloor "$work/data") ;;
    helidon-with-migrations-aot|record-helidon-with-migrations) cache=both probe="$getfine"   # 503 until migrated
      main=(-cp "$bench_cp" com.finehero.bench.MigrationsFloor "$work/data" "$port") ;;
  esac
  # a record-* mode writes the AOT cache its measured mode maps
  if [ -n "$cache" ]; then
    if [[ "$mode" == record-* ]]; then jvm+=("-XX:AOTCacheOutput=$work/$cache.aot"); else jvm+=("-XX:AOTCache=$work/$cache.aot"); fi
  fi
  rm -rf "$work/data"
  start=$(now_ms)
  if [[ "$mode" == *migrations-floor* ]]; then
    # no server: done when the migrations are applied and the JVM has exited
    env "${envs[@]}" "$JAVA_HOME/bin/java" "${jvm[@]}" "${main[@]}" >"$work/log" 2>&1 || { cat "$work/log" >&2; return 1; }
    echo "$(( $(now_ms) - start )) 0 0 0"
    return
  fi
  if [ "$mode" = postgres ]; then
    (cd "$work" && exec env SERVER_PORT=$port FINEHERO_DB_URL=jdbc:postgresql://127.0.0.1:5432/test \
      FINEHERO_DB_USER=postgres FINEHERO_DB_SCHEMA=bench_startup FINEHERO_REDIS_ADDRESS=redis://127.0.0.1:6379 \
      FINEHERO_REDIS_PREFIX=bench-startup "${envs[@]}" "$JAVA_HOME/bin/java" "${jvm[@]}" "${main[@]}" >"$work/log" 2>&1) &
  else
    (cd "$work" && exec env "${unset[@]}" SERVER_PORT=$port "${envs[@]}" "$JAVA_HOME/bin/java" "${jvm[@]}" "${main[@]}" >"$work/log" 2>&1) &
  fi
  pid=$!
  for _ in $(seq 1 600); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$probe")" = 200 ]; then
      ready=$(( $(now_ms) - start )); break
    fi
    sleep 0.05
  done
  if [ "$ready" = 0 ]; then
    kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
    cat "$work/log" >&2; echo "startup: $mode did not become ready" >&2; return 1
  fi
  # idle for a minute (a recording run needs no RSS): read at 20 s, once the periodic collection and
  # native-heap trim of server/jvm.options (every 10 s) have run, and every 10 s after that, because an
  # idle server is not still: its pollers allocate, and the heap's pages come back into use until the
  # next collection. A single reading just after a collection would flatter it.
  local rss20=0 rss60=0 peak=0 rss second
  if [[ "$mode" != record-* ]] && [ "$idle" = 1 ]; then
    sleep 20
    for second in 20 30 40 50 60; do
      [ "$second" = 20 ] || sleep 10
      # an exited server not yet reaped has a status file without VmRSS: no reading is a failure too
      rss=$(awk '/VmRSS/ {print $2; found = 1} END {exit !found}' "/proc/$pid/status" 2>/dev/null) \
        || { cat "$work/log" >&2; echo "startup: $mode exited while idle" >&2; return 1; }
      [ "$second" = 20 ] && rss20=$rss
      rss60=$rss
      [ "$rss" -gt "$peak" ] && peak=$rss
    done
  fi
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  echo "$ready $rss20 $rss60 $peak"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

modes=(embedded)
baseline_jar=""
if [ -n "${FINEHERO_BENCH_BASELINE:-}" ]; then
  baseline_jar="$(bench_jar_of "$FINEHERO_BENCH_BASELINE")"
  modes+=(baseline-embedded)
fi
if [ "$(finehero_java_major "$JAVA_HOME")" -ge 25 ]; then
  recordings=(record-aot record-aot-unconfigured record-helidon-peer record-migrations-floor record-helidon-with-migrations)
  caches=(finehero unconfigured helidon migrations both)
  if [ -n "$baseline_jar" ]; then
    recordings+=(record-baseline-aot record-baseline-aot-unconfigured); caches+=(baseline baseline-unconfigured)
  fi
  for recording in "${recordings[@]}"; do
    measure "$recording" >/dev/null || { echo "startup: $recording failed" >&2; exit 1; }
  done
  for cache in "${caches[@]}"; do
    [ -s "$work/$cache.aot" ] || { echo "startup: the recording run wrote no AOT cache for $cache" >&2; exit 1; }
  done
  modes+=(embedded-aot embedded-aot-unconfigured embedded-aot-plain helidon-peer-aot migrations-floor-aot helidon-with-migrations-aot)
  [ -n "$baseline_jar" ] && modes+=(baseline-aot baseline-aot-unconfigured)
fi
if pg_isready -h 127.0.0.1 -q 2>/dev/null && [ "$(redis-cli ping 2>/dev/null)" = PONG ]; then modes+=(postgres); fi
if [ -n "${FINEHERO_BENCH_MODES:-}" ]; then
  for mode in $FINEHERO_BENCH_MODES; do
    [[ " ${modes[*]} " == *" $mode "* ]] || { echo "startup: no mode $mode here (modes: ${modes[*]})" >&2; exit 1; }
  done
  read -r -a modes <<<"$FINEHERO_BENCH_MODES"
fi

json="{\"benchmark\":\"startup\",\"date\":\"$(date -u +%FT%TZ)\",\"java\":\"$("$JAVA_HOME/bin/java" -version 2>&1 | head -1 | tr -d '"')\",\"cpus\":$(nproc),\"runs\":$runs,\"revision\":\"$(git -C "$root" describe --always --dirty --abbrev=40)\"${FINEHERO_BENCH_BASELINE:+,\"baseline_revision\":\"$(git -C "$root" rev-parse "$FINEHERO_BENCH_BASELINE")\"}"
base=$(for _ in $(seq 1 "$runs"); do baseline; done | median)
json+=",\"baseline_jvm_version_ms\":$base"
json+=",\"compared\":\"time from launch to the first readiness 200 (fresh embedded H2 database), and RSS while idle: 20 s after ready (once the periodic collection and trim have run), 60 s after, and the highest of the readings every 10 s in between; every start with server/jvm.options and server/jvm.env but embedded-aot-plain; embedded = the jar bare, embedded-aot = from the AOT cache bin/finehero-server records, embedded-aot-unconfigured = the same with no FINEHERO_ setting (the README's first command: no first admin to create, a signing key made for the process; every other mode has the benchmarks' first admin, created at start on the fresh database, and signing key), embedded-aot-plain = the same without server/jvm.options and server/jvm.env, postgres = PostgreSQL + Redis, bare; floors from their own AOT caches: helidon-peer-aot = Helidon 4.5 alone serving GetFine from memory (gRPC and HTTP, ready at its first 200 on GET /v1/fines/{id}), migrations-floor-aot = a JVM applying FineHero's migrations to a new H2 database with Flyway, launch to exit; helidon-with-migrations-aot = both in one JVM, the migrations on a thread of their own while Helidon starts, ready at the first 200 once they are applied; baseline-* = the baseline revision's jar, bare and from AOT caches of its own\""
[ "$idle" = 1 ] || json+=",\"idle\":\"not measured (FINEHERO_BENCH_IDLE=0): ready times only\""
json+=",\"modes\":{"
for mode in "${modes[@]}"; do : >"$work/ready-$mode"; : >"$work/rss20-$mode"; : >"$work/rss60-$mode"; : >"$work/peak-$mode"; done
for _ in $(seq 1 "$runs"); do
  for mode in "${modes[@]}"; do
    # measure runs in a subshell here: a failure there prints why and leaves nothing to read
    read -r ready rss20 rss60 peak < <(measure "$mode") || { echo "startup: $mode was not measured" >&2; exit 1; }
    echo "$ready" >>"$work/ready-$mode"; echo "$rss20" >>"$work/rss20-$mode"; echo "$rss60" >>"$work/rss60-$mode"
    echo "$peak" >>"$work/peak-$mode"
    echo "startup $mode: ready in ${ready} ms, idle RSS ${rss20} kB at 20 s, ${rss60} kB at 60 s, at most ${peak} kB" >&2
  done
done
first=1
for mode in "${modes[@]}"; do
  r=$(median <"$work/ready-$mode"); m=$(median <"$work/rss20-$mode")
  [ $first = 1 ] || json+=","
  first=0
  rss_field=",\"idle_rss_20s_kb_median\":$m,\"idle_rss_60s_kb_median\":$(median <"$work/rss60-$mode"),\"idle_rss_peak_kb_median\":$(median <"$work/peak-$mode"),\"idle_rss_20s_kb_all\":[$(paste -sd, "$work/rss20-$mode")],\"idle_rss_60s_kb_all\":[$(paste -sd, "$work/rss60-$mode")],\"idle_rss_peak_kb_all\":[$(paste -sd, "$work/peak-$mode")]"
  [ "$m" = 0 ] && rss_field=""   # the migrations floor exits: no idle RSS
  json+="\"$mode\":{\"ready_ms_median\":$r,\"ready_ms_all\":[$(paste -sd, "$work/ready-$mode")]$rss_field,\"ready_vs_baseline\":$(awk -v a="$r" -v b="$base" 'BEGIN{printf "%.1f", a/b}')}"
done
json+="}}"
if [[ " ${modes[*]} " == *" postgres "* ]]; then psql -h 127.0.0.1 -U postgres test -qc 'DROP SCHEMA IF EXISTS bench_startup CASCADE' >/dev/null 2>&1 || true; fi
mkdir -p "$root/src/bench/results"
echo "$json" | tee "$root/src/bench/results/${FINEHERO_BENCH_RESULT:-startup}.json"
