# Sourced by the benchmark scripts after the build: what every benchmark server and load tool shares.
# The server runs with security on (the shipped default); the first admin and the signing key are made
# up for the run, and rate limits are lifted so they measure the checks, not the refusals.
bench_secure_env() {
  export FINEHERO_AUTH_BOOTSTRAP_ADMIN_PASSWORD="bench-admin-password"
  export FINEHERO_BENCH_PASSWORD="$FINEHERO_AUTH_BOOTSTRAP_ADMIN_PASSWORD"
  FINEHERO_AUTH_JWT_KEYS="$("$JAVA_HOME/bin/java" -jar "$root/server/target/finehero-server.jar" new-signing-key --kid bench)"
  export FINEHERO_AUTH_JWT_KEYS
  export FINEHERO_SECURITY_RATE_dash_LIMITS_PER_dash_IDENTITY=1000000000
  export FINEHERO_SECURITY_RATE_dash_LIMITS_GLOBAL=1000000000
}
