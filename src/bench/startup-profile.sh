#!/usr/bin/env bash
# Where a start goes: runs FineHero on a fresh embedded database from its AOT cache (recorded first, as
# startup.sh records it) with async-profiler 4.1 (Maven Central's tools.profiler:async-profiler) as an
# agent sampling CPU every millisecond per thread, until readiness answers 200. Prints the CPU each thread
# used and, for the main thread, the samples under each step of the start (the deepest FineHero frame and
# the call it makes). Nothing is written under src/bench/results: a profile is for reading, startup.sh
# holds the figures. Usage: src/bench/startup-profile.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
[ "$(finehero_java_major "$JAVA_HOME")" -ge 25 ] || { echo "startup-profile: needs JDK 25+ (AOT cache)" >&2; exit 1; }
port=18090
jar="$root/server/target/finehero-server.jar"
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server -am package -DskipTests
. "$root/src/bench/lib.sh"
"$root/mvnw" -q -B dependency:get -Dartifact=tools.profiler:async-profiler:4.1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[ "$(uname -m)" = x86_64 ] || { echo "startup-profile: unpacks async-profiler's linux-x64 library only" >&2; exit 1; }
unzip -q -o "$HOME/.m2/repository/tools/profiler/async-profiler/4.1/async-profiler-4.1.jar" 'linux-x64/*' -d "$work"
flags=(@"$root/server/jvm.options" --sun-misc-unsafe-memory-access=allow)
mapfile -t envs < <(finehero_jvm_env "$root")   # server/jvm.env, as every start

# runs the server with extra JVM options until readiness, then stops it
start() {
  local pid waited=0
  rm -rf "$work/data"
  (cd "$work" && exec env SERVER_PORT=$port "${envs[@]}" "$JAVA_HOME/bin/java" "${flags[@]}" "$@" -jar "$jar" >"$work/log" 2>&1) &
  pid=$!
  bench_await_ready "$port" || waited=$?
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  [ "$waited" = 0 ] || { cat "$work/log" >&2; echo "startup-profile: the server did not become ready" >&2; exit 1; }
}

start "-XX:AOTCacheOutput=$work/finehero.aot"
start "-XX:AOTCache=$work/finehero.aot" \
  "-agentpath:$work/linux-x64/libasyncProfiler.so=start,event=cpu,interval=1ms,threads,file=$work/cpu.collapsed"
python3 - "$work/cpu.collapsed" <<'EOF'
import collections, sys
threads, steps = collections.Counter(), collections.Counter()
for line in open(sys.argv[1]):
    stack, count = line.rsplit(' ', 1)
    frames = stack.split(';')
    count = int(count)
    thread = frames[0].split(' tid=')[0].strip('[]')
    threads[thread] += count
    if thread not in ('main', 'DestroyJavaVM'):
        continue
    short = [f.split('/')[-1] for f in frames]
    own = [i for i, f in enumerate(frames) if f.startswith('com/finehero/')]
    if own:
        i = own[-1]
        steps[short[i] + ' > ' + (short[i + 1] if i + 1 < len(short) else '(itself)')] += count
    else:
        steps[' > '.join(short[1:3])] += count
print('CPU ms per thread (1 ms samples):')
for name, n in threads.most_common(12):
    print(f'  {n:6d}  {name}')
print('main thread, by step (deepest FineHero frame > what it calls):')
for name, n in steps.most_common(30):
    print(f'  {n:6d}  {name}')
EOF
