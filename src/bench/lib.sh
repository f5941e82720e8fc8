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
  export FINEHERO_SECURITY_RATE_dash_LIMITS_PER_dash_IDENTITY=1000000000
  export FINEHERO_SECURITY_RATE_dash_LIMITS_GLOBAL=1000000000
  export FINEHERO_SECURITY_RATE_dash_LIMITS_PER_dash_ADDRESS=1000000000
}

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
