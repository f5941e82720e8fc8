#!/usr/bin/env bash
# Where a cache-hit GetFine's time and allocation go: one secured FineHero (PostgreSQL + Redis, JWT, Redis
# rate limits on, as peers.sh runs it) recorded with JFR (settings=profile) for a window under wrk over
# REST (64 connections) and another under h2load over gRPC (one connection, 64 streams), after a warm-up.
# Writes src/bench/results/getfine-profile.json: per protocol the calls in the window, the CPU samples'
# top frames grouped into FineHero's own code, Helidon, JSON, protobuf, the JDK and the rest, the hottest
# methods, and the bytes allocated per call (the sum of jdk.ObjectAllocationSample weights over the
# window's calls) with the top allocation sites.
# Usage: src/bench/getfine-profile.sh [seconds=20] [warm-up seconds=40]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
seconds="${1:-20}" warmup="${2:-40}"
port=18790 schema=bench_profile
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# exec: the subshell becomes the server's java, so jcmd reaches it by this pid
(cd "$work" && exec env SERVER_PORT=$port FINEHERO_DB_URL=jdbc:postgresql://127.0.0.1:5432/test FINEHERO_DB_USER=postgres \
    FINEHERO_DB_SCHEMA=$schema FINEHERO_REDIS_ADDRESS=redis://127.0.0.1:6379 FINEHERO_REDIS_PREFIX=$schema FINEHERO_AUTH_ENABLED=true \
    "$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED -XX:+FlightRecorder \
    -jar "$root/server/target/finehero-server.jar" >"$work/server.log" 2>&1) &
server=$!
bench_await_ready "$port" || { echo "getfine-profile: the server did not become ready; see $work/server.log" >&2; exit 1; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
auth="authorization: Bearer $(bench_admin_token "http://127.0.0.1:$port")"
fine="$(curl -sf -X POST "http://127.0.0.1:$port/v1/fines" -H "$auth" -H 'Content-Type: application/json' -d '{
    "citationNumber": "PROFILE-1", "jurisdiction": "LOAD", "violationCode": "L",
    "amount": {"currencyCode": "USD", "amountMinor": "100"},
    "issueTime": "2026-01-01T00:00:00Z", "dueTime": "2026-02-01T00:00:00Z"}' | json '["id"]')"
bench_grpc_string_request "$work/get.bin" "$fine"
grpc="http://127.0.0.1:$port/finehero.fines.v1.FinesService/GetFine" rest="http://127.0.0.1:$port/v1/fines/$fine"
bench_grpc_check "$grpc" "$work/get.bin" "$auth"
bench_wrk_get warm-up "$rest" "$warmup" 64 /dev/null "$auth" >/dev/null
bench_h2load_grpc warm-up "$grpc" "$work/get.bin" "$warmup" 64 /dev/null "$auth" >/dev/null
record() { # $1 protocol; then the load command
  local name="$1"; shift
  "$JAVA_HOME/bin/jcmd" "$server" JFR.start name="$name" settings=profile filename="$work/$name.jfr" >/dev/null
  "$@"
  "$JAVA_HOME/bin/jcmd" "$server" JFR.stop name="$name" >/dev/null
  "$JAVA_HOME/bin/jfr" print --json --stack-depth 64 --events jdk.ExecutionSample,jdk.ObjectAllocationSample,jdk.GCHeapSummary "$work/$name.jfr" >"$work/$name.json"
  "$JAVA_HOME/bin/jfr" view --width 220 hot-methods "$work/$name.jfr" >"$work/$name.hot.txt" 2>&1 || true
}
record rest bench_wrk_get rest "$rest" "$seconds" 64 "$work/runs.ndjson" "$auth"
record grpc bench_h2load_grpc grpc "$grpc" "$work/get.bin" "$seconds" 64 "$work/runs.ndjson" "$auth"
python3 - "$work" "$root/src/bench/results/getfine-profile.json" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys, os, collections, datetime
work, out, load_start, load_end = sys.argv[1:5]
runs = {r["name"]: r for r in map(json.loads, open(os.path.join(work, "runs.ndjson")))}
def category(cls):
    if cls.startswith("com.finehero."): return "finehero"
    if cls.startswith("io.helidon.") and ".json" not in cls: return "helidon"
    if any(k in cls for k in ("JsonFormat", "com.fasterxml.jackson", "jakarta.json", "org.eclipse.parsson", ".json.")): return "json"
    if cls.startswith("com.google.protobuf.") or cls.startswith("build.buf."): return "protobuf"
    if cls.startswith("io.grpc."): return "grpc-java"
    if cls.startswith("org.redisson.") or cls.startswith("io.netty."): return "redisson/netty"
    if cls.startswith(("java.", "javax.", "jdk.", "sun.")): return "jdk"
    return "other"
def frame_name(f):  # JFR's JSON names classes with slashes
    return f["method"]["type"]["name"].replace("/", ".") + "." + f["method"]["name"]
profile = {}
for name in ("rest", "grpc"):
    events = json.load(open(os.path.join(work, name + ".json")))["recording"]["events"]
    samples = [e for e in events if e["type"] == "jdk.ExecutionSample"]
    allocations = [e for e in events if e["type"] == "jdk.ObjectAllocationSample"]
    self_by_category, self_methods, inclusive = collections.Counter(), collections.Counter(), collections.Counter()
    by_caller = collections.Counter()  # JDK frames charged to the first library frame that called them
    for e in samples:
        frames = (e["values"].get("stackTrace") or {}).get("frames") or []
        if not frames:
            continue
        top = frame_name(frames[0])
        self_by_category[category(top)] += 1
        self_methods[top] += 1
        by_caller[next((c for c in (category(frame_name(f)) for f in frames) if c != "jdk"), "jdk")] += 1
        for c in {category(frame_name(f)) for f in frames}:
            inclusive[c] += 1
    total = max(1, sum(self_by_category.values()))
    weight, sites = 0, collections.Counter()
    for e in allocations:
        w = e["values"]["weight"]
        weight += w
        frames = (e["values"].get("stackTrace") or {}).get("frames") or []
        site = next((frame_name(f) for f in frames if not frame_name(f).startswith(("java.", "jdk.", "sun."))),
                    frame_name(frames[0]) if frames else "?")
        sites[e["values"]["objectClass"]["name"].replace("/", ".") + " @ " + site] += w
    calls = runs[name]["calls"]
    # second estimate from the heap itself: what each collection found used, less what the previous one left
    heap = sorted(((e["values"]["gcId"], e["values"]["when"], e["values"]["heapUsed"]) for e in events if e["type"] == "jdk.GCHeapSummary"))
    by_gc = {}
    for gc_id, when, used in heap:
        by_gc.setdefault(gc_id, {})[when] = used
    ids = sorted(i for i, w in by_gc.items() if "Before GC" in w and "After GC" in w)
    heap_allocated = sum(by_gc[b]["Before GC"] - by_gc[a]["After GC"] for a, b in zip(ids, ids[1:]))
    profile[name] = {
        "load": runs[name], "cpu_samples": total,
        "self_time_share_by_category": {c: round(n / total, 3) for c, n in self_by_category.most_common()},
        "self_time_share_jdk_charged_to_caller": {c: round(n / total, 3) for c, n in by_caller.most_common()},
        "samples_with_a_frame_of_category": {c: round(n / total, 3) for c, n in inclusive.most_common()},
        "hottest_methods_self": [{"method": m, "share": round(n / total, 3)} for m, n in self_methods.most_common(15)],
        "allocated_bytes_per_call": round(weight / calls) if calls else None,
        "allocated_bytes_per_call_from_heap_between_collections": round(heap_allocated / calls) if calls and len(ids) > 1 else None,
        "collections_in_window": len(ids),
        "top_allocation_sites": [{"site": s, "share": round(w / max(1, weight), 3)} for s, w in sites.most_common(12)],
        "jfr_view_hot_methods": open(os.path.join(work, name + ".hot.txt")).read().splitlines()[:30],
    }
result = {"benchmark": "getfine_profile", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
          "machine": {"cpus": os.cpu_count(), "load_average_start": load_start, "load_average_end": load_end},
          "method": "secured FineHero on PostgreSQL + Redis, cache-hit GetFine; JFR settings=profile (CPU sample every 10 ms, "
                    "allocation samples) started by jcmd after a warm-up, one window under wrk -c 64 (REST) and one under h2load "
                    "-c 1 -m 64 (gRPC); bytes per call = sum of jdk.ObjectAllocationSample weights / calls in the window "
                    "(the JDK's estimate of all allocation, including the load-independent background)",
          **profile}
json.dump(result, open(out, "w"), indent=1)
for name in ("rest", "grpc"):
    p = profile[name]
    print(name, p["load"]["calls_per_second"], "calls/s;", p["allocated_bytes_per_call"], "B/call (heap:",
          p["allocated_bytes_per_call_from_heap_between_collections"], ");", p["self_time_share_by_category"], p["self_time_share_jdk_charged_to_caller"])
    for m in p["hottest_methods_self"][:10]:
        print("   ", m["share"], m["method"])
    for a in p["top_allocation_sites"][:8]:
        print("  alloc", a["share"], a["site"])
PY
