"""Summarises JFR windows recorded by lib.sh's bench_jfr_record into one result file.

Usage: jfr-summary.py work out.json benchmark method runs.ndjson load_start load_end name...
For each name: work/<name>.json (jfr print --json of the window), work/<name>.hot.txt (jfr view
hot-methods) and the line of runs.ndjson with that "name", whose "calls" divides the allocation.
Per window: the CPU samples' top frames grouped into FineHero's own code, Helidon, JSON, protobuf,
grpc-java, the JDBC driver and the rest (and again with JDK frames charged to the first library frame
that called them), the hottest methods, the bytes allocated per call with the same grouping, and the
top allocation sites; estimated from the allocation samples, from the heap between collections, and
from the TLAB events (with FineHero's own allocation sites).
"""
import collections
import datetime
import json
import os
import sys


def category(cls):
    if cls.startswith("com.finehero."): return "finehero"
    if cls.startswith("io.helidon.") and ".json" not in cls: return "helidon"
    if any(k in cls for k in ("JsonFormat", "com.fasterxml.jackson", "jakarta.json", "org.eclipse.parsson", ".json.")): return "json"
    if cls.startswith("com.google.protobuf.") or cls.startswith("build.buf."): return "protobuf"
    if cls.startswith("io.grpc."): return "grpc-java"
    if cls.startswith("org.postgresql.") or cls.startswith("com.zaxxer.hikari."): return "jdbc"
    if cls.startswith("org.redisson.") or cls.startswith("io.netty."): return "redisson/netty"
    if cls.startswith(("java.", "javax.", "jdk.", "sun.")): return "jdk"
    return "other"


def frame_name(f):  # JFR's JSON names classes with slashes
    return f["method"]["type"]["name"].replace("/", ".") + "." + f["method"]["name"]


def frames_of(event):
    return (event["values"].get("stackTrace") or {}).get("frames") or []


def caller_category(frames):
    """The category of the first frame that is not the JDK's: who asked for the JDK's work."""
    return next((c for c in (category(frame_name(f)) for f in frames) if c != "jdk"), "jdk")


def outside_the_jdk(frames, depth=1):
    """The first frame outside the JDK, and with depth > 1 the frames that called it, joined by ' < '."""
    names = [frame_name(f) for f in frames]
    first = next((i for i, n in enumerate(names) if not n.startswith(("java.", "jdk.", "sun."))), None)
    if first is None:
        return names[0] if names else "?"
    return " < ".join(names[first:first + depth])


def shares(counter, total):
    return {c: round(n / max(1, total), 3) for c, n in counter.most_common()}


def window(work, name, load):
    events = json.load(open(os.path.join(work, name + ".json")))["recording"]["events"]
    samples = [e for e in events if e["type"] == "jdk.ExecutionSample"]
    self_by_category, self_methods, inclusive, by_caller = (collections.Counter() for _ in range(4))
    for e in samples:
        frames = frames_of(e)
        if not frames:
            continue
        top = frame_name(frames[0])
        self_by_category[category(top)] += 1
        self_methods[top] += 1
        by_caller[caller_category(frames)] += 1
        for c in {category(frame_name(f)) for f in frames}:
            inclusive[c] += 1
    total = sum(self_by_category.values())
    weight, sites, allocation_by_caller = 0, collections.Counter(), collections.Counter()
    for e in (e for e in events if e["type"] == "jdk.ObjectAllocationSample"):
        w = e["values"]["weight"]
        weight += w
        frames = frames_of(e)
        allocation_by_caller[caller_category(frames)] += w
        site = outside_the_jdk(frames)
        sites[e["values"]["objectClass"]["name"].replace("/", ".") + " @ " + site] += w
    # third estimate, from every new TLAB and every allocation outside one: each TLAB's bytes are charged
    # to the allocation that asked for it, a sample proportional to bytes, and the total is exact
    tlab, tlab_by_caller, finehero_sites, chunks = 0, collections.Counter(), collections.Counter(), []
    tlab_sites = collections.Counter()
    for e in (e for e in events if e["type"] in ("jdk.ObjectAllocationInNewTLAB", "jdk.ObjectAllocationOutsideTLAB")):
        w = e["values"]["tlabSize"] if e["type"] == "jdk.ObjectAllocationInNewTLAB" else e["values"]["allocationSize"]
        tlab += w
        frames = frames_of(e)
        caller = caller_category(frames)
        tlab_by_caller[caller] += w
        allocated = e["values"]["objectClass"]["name"].replace("/", ".")
        if allocated == "jdk.internal.vm.StackChunk":
            chunks.append(frames)
        tlab_sites[allocated + " @ " + outside_the_jdk(frames, 3)] += w
        if caller == "finehero":
            site = next(frame_name(f) for f in frames if frame_name(f).startswith("com.finehero."))
            finehero_sites[allocated + " @ " + site] += w
    calls = load["calls"]
    # second estimate from the heap itself: what each collection found used, less what the previous one left
    by_gc = {}
    for e in (e for e in events if e["type"] == "jdk.GCHeapSummary"):
        by_gc.setdefault(e["values"]["gcId"], {})[e["values"]["when"]] = e["values"]["heapUsed"]
    ids = sorted(i for i, w in by_gc.items() if "Before GC" in w and "After GC" in w)
    heap_allocated = sum(by_gc[b]["Before GC"] - by_gc[a]["After GC"] for a, b in zip(ids, ids[1:]))
    return {
        "load": load, "cpu_samples": total,
        "self_time_share_by_category": shares(self_by_category, total),
        "self_time_share_jdk_charged_to_caller": shares(by_caller, total),
        "samples_with_a_frame_of_category": shares(inclusive, total),
        "hottest_methods_self": [{"method": m, "share": round(n / max(1, total), 3)} for m, n in self_methods.most_common(15)],
        "allocated_bytes_per_call": round(weight / calls) if calls else None,
        "allocated_bytes_per_call_by_caller_category": {c: round(w / calls) for c, w in allocation_by_caller.most_common()} if calls else None,
        "allocated_bytes_per_call_from_heap_between_collections": round(heap_allocated / calls) if calls and len(ids) > 1 else None,
        "collections_in_window": len(ids),
        "top_allocation_sites": [{"site": s, "share": round(w / max(1, weight), 3)} for s, w in sites.most_common(12)],
        "allocated_bytes_per_call_from_tlabs": round(tlab / calls) if calls and tlab else None,
        "allocated_bytes_per_call_from_tlabs_by_caller_category": {c: round(w / calls) for c, w in tlab_by_caller.most_common()} if calls and tlab else None,
        # a virtual thread's frames are copied into a StackChunk when it first parks: how deep its stack was then
        "virtual_thread_stack_chunks": {"events": len(chunks),
                                        "stack_frames_median": sorted(map(len, chunks))[len(chunks) // 2] if chunks else None,
                                        "example_stack": [frame_name(f) for f in max(chunks, key=len)] if chunks else None},
        # every caller's, by the first frame outside the JDK and the two that called it: where Helidon's and
        # grpc-java's bytes come from
        "allocation_sites_from_tlabs": [{"site": s, "bytes_per_call": round(w / calls)} for s, w in tlab_sites.most_common(30)] if calls else None,
        "finehero_allocation_sites_from_tlabs": [{"site": s, "bytes_per_call": round(w / calls)} for s, w in finehero_sites.most_common(30)] if calls else None,
        "jfr_view_hot_methods": open(os.path.join(work, name + ".hot.txt")).read().splitlines()[:30],
    }


def main(work, out, benchmark, method, runs_file, load_start, load_end, *names):
    runs = {r["name"]: r for r in map(json.loads, open(runs_file))}
    profile = {name: window(work, name, runs[name]) for name in names}
    result = {"benchmark": benchmark, "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "machine": {"cpus": os.cpu_count(), "load_average_start": load_start, "load_average_end": load_end},
              "method": method, **profile}
    json.dump(result, open(out, "w"), indent=1)
    for name, p in profile.items():
        print(name, p["load"].get("calls_per_second"), "calls/s;", p["allocated_bytes_per_call"], "B/call (heap:",
              p["allocated_bytes_per_call_from_heap_between_collections"], ");", p["allocated_bytes_per_call_by_caller_category"])
        print("   from TLABs:", p["allocated_bytes_per_call_from_tlabs"], "B/call;", p["allocated_bytes_per_call_from_tlabs_by_caller_category"])
        for a in (p["allocation_sites_from_tlabs"] or [])[:12]:
            print("   alloc from TLABs", a["bytes_per_call"], a["site"])
        for a in (p["finehero_allocation_sites_from_tlabs"] or [])[:8]:
            print("   finehero alloc", a["bytes_per_call"], a["site"])
        print("   cpu self:", p["self_time_share_by_category"], "charged to caller:", p["self_time_share_jdk_charged_to_caller"])
        for m in p["hottest_methods_self"][:10]:
            print("   ", m["share"], m["method"])
        for a in p["top_allocation_sites"][:8]:
            print("  alloc", a["share"], a["site"])


if __name__ == "__main__":
    main(*sys.argv[1:])
