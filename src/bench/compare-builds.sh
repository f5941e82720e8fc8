#!/usr/bin/env bash
# The hot-path benchmarks (vs-echo, rest-vs-grpc, tasks-throughput, cache) run against two builds in one
# sitting: a base git ref, checked out into a temporary worktree, and this working tree. Each build runs
# its own scripts and load clients; base and head alternate per benchmark so drift on the box hits both.
# Writes src/bench/results/compare-builds.json with each build's figures and head/base ratios.
# Usage: src/bench/compare-builds.sh BASE_REF
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
base_ref="${1:?usage: compare-builds.sh BASE_REF}"
base_sha="$(git -C "$root" rev-parse "$base_ref")"
head_sha="$(git -C "$root" rev-parse HEAD)"
base_tree="$(mktemp -d)/base"
git -C "$root" worktree add -q --detach "$base_tree" "$base_sha"
out="$(mktemp -d)"
cleanup() { git -C "$root" worktree remove --force "$base_tree" >/dev/null 2>&1 || true; rm -rf "$out"; }
trap cleanup EXIT

# shortened runs: the comparison is between builds, measured minutes apart on the same box
run_bench() { # $1 = tree, $2 = label
  local tree="$1" label="$2"
  FINEHERO_BENCH_PACED=0.25,0.5 "$tree/src/bench/vs-echo.sh" 2 8 30 >/dev/null
  cp "$tree/src/bench/results/vs-echo.json" "$out/$label-vs-echo.json"
  "$tree/src/bench/rest-vs-grpc.sh" postgres 32 10 3 >/dev/null
  cp "$tree/src/bench/results/rest-vs-grpc-postgres.json" "$out/$label-rest-vs-grpc.json"
  "$tree/src/bench/tasks-throughput.sh" 50000 30000 >/dev/null
  cp "$tree/src/bench/results/tasks-throughput.json" "$out/$label-tasks-throughput.json"
  "$tree/src/bench/cache.sh" 15 >/dev/null
  cp "$tree/src/bench/results/cache.json" "$out/$label-cache.json"
}
# the head's result files are restored afterwards: this script records only the comparison
keep="$(mktemp -d)"
cp "$root"/src/bench/results/{vs-echo,rest-vs-grpc-postgres,tasks-throughput,cache}.json "$keep/"
run_bench "$base_tree" base
run_bench "$root" head
cp "$keep"/*.json "$root/src/bench/results/"
rm -rf "$keep"

python3 - "$out" "$root/src/bench/results/compare-builds.json" "$base_sha" "$head_sha" <<'PY'
import json, sys, datetime, os, platform
out, dest, base_sha, head_sha = sys.argv[1:5]
def load(label, name): return json.load(open(f"{out}/{label}-{name}.json"))
def figures(label):
    echo = load(label, "vs-echo"); rest = load(label, "rest-vs-grpc"); tasks = load(label, "tasks-throughput"); cache = load(label, "cache")
    return {"vs_echo": {"finehero_calls_per_second": echo["finehero"]["calls_per_second"],
                        "echo_calls_per_second": echo["echo"]["calls_per_second"],
                        "finehero_to_echo": echo["finehero_to_echo_throughput"],
                        "finehero_p99_ms": echo["finehero"]["p99_ms"]},
            "rest_vs_grpc": rest, "tasks_throughput": tasks, "cache": cache}
base, head = figures("base"), figures("head")
# throughput figures whose head/base ratio is the verdict (> 1 is better for all of them)
HEADLINE = {
    "getfine_grpc_to_echo": lambda f: f["vs_echo"]["finehero_to_echo"],
    "getfine_grpc_calls_per_second": lambda f: f["vs_echo"]["finehero_calls_per_second"],
    "getfine_rest_calls_per_second": lambda f: f["rest_vs_grpc"]["rest"]["calls_per_second"],
    "getfine_grpc32_calls_per_second": lambda f: f["rest_vs_grpc"]["grpc"]["calls_per_second"],
    "tasks_per_second": lambda f: f["tasks_throughput"]["finehero"]["tasks_per_second"],
    "cache_on_steady_mix_calls_per_second": lambda f: f["cache"]["cache_on"]["steady"]["mix"]["calls_per_second"],
    "cache_off_mix_calls_per_second": lambda f: f["cache"]["cache_off"]["steady"]["mix"]["calls_per_second"],
    "search_calls_per_second": lambda f: f["cache"]["cache_on"]["search"]["calls_per_second"],
}
result = {"benchmark": "compare_builds", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
          "machine": {"cpus": os.cpu_count(), "kernel": platform.release()},
          "compared": {"base": base_sha, "head": head_sha},
          "method": "each build's own scripts, base then head per benchmark set, shortened runs "
                    "(vs-echo 2 rounds x 8 s, paced 25%/50%; rest-vs-grpc 3 x 10 s at 32; tasks 50k after 30k warm-up; cache 15 s)",
          "base": base, "head": head,
          "head_to_base": {name: round(pick(head) / pick(base), 3) for name, pick in HEADLINE.items()}}
json.dump(result, open(dest, "w"), indent=1)
print(json.dumps(result["head_to_base"], indent=1))
PY
