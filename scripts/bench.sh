#!/usr/bin/env bash
# `make bench`: measures the provider side by side with Terraform's lean floor
# (plain terraform_data), a peer framework provider (hashicorp/time's time_static,
# built from its Go module into bin/ by scripts/install-tools.sh) and the earlier
# count-indexed terraform_data scenario, plus the admin server alone; then writes
# docs/benchmarks.md (between its markers) and docs/benchmarks.png. Not part of
# `make test`: benchmarks are measured, not asserted by wall time. See
# docs/benchmarks.md for the method.
#
#   scripts/bench.sh                          # N = 100 300 1000
#   BENCH_N="100 300" BENCH_ROUNDS=3 scripts/bench.sh
#   BENCH_TERRAFORM=/path/to/terraform scripts/bench.sh
#
# Settings (environment): BENCH_N, BENCH_ROUNDS (one number, or one per N),
# BENCH_COUNT_N, BENCH_WRITERS, BENCH_WRITES, BENCH_OUT (default docs/),
# BENCH_RESULTS (default bin/bench/), BENCH_TERRAFORM (default: the pinned
# Terraform in bin/), BENCH_TIME_PROVIDER (default: hashicorp/time installed into
# bin/providers/), BENCH_TIMEOUT (go test -timeout, default 90m).
# internal/bench/bench_test.go documents each.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN="$ROOT/bin"

TERRAFORM_VERSION=$(sed -n 's/^TERRAFORM_VERSION=//p' scripts/install-tools.sh)
if [[ -z "${BENCH_TERRAFORM:-}" ]]; then
  BENCH_TERRAFORM="$BIN/terraform-$TERRAFORM_VERSION"
  [[ -x "$BENCH_TERRAFORM" ]] || scripts/install-tools.sh terraform
fi
[[ -x "$BENCH_TERRAFORM" ]] || { echo "BENCH_TERRAFORM=$BENCH_TERRAFORM is not executable" >&2; exit 2; }
# The test runs in internal/bench: hand it an absolute path.
BENCH_TERRAFORM=$(cd "$(dirname "$BENCH_TERRAFORM")" && pwd)/$(basename "$BENCH_TERRAFORM")

TIME_PROVIDER_VERSION=$(sed -n 's/^TIME_PROVIDER_VERSION=//p' scripts/install-tools.sh)
if [[ -z "${BENCH_TIME_PROVIDER:-}" ]]; then
  scripts/install-tools.sh terraform-provider-time
  BENCH_TIME_PROVIDER="$BIN/providers/time-$TIME_PROVIDER_VERSION/terraform-provider-time"
  export BENCH_TIME_LABEL="hashicorp/time v$TIME_PROVIDER_VERSION (\`time_static\`), \`go install\` of its module, default settings"
fi
export BENCH_TIME_PROVIDER

export AEGIS_BENCH=1
export BENCH_TERRAFORM
export BENCH_N="${BENCH_N:-100 300 1000}"
export BENCH_RESULTS="${BENCH_RESULTS:-$BIN/bench}"
export BENCH_OUT="${BENCH_OUT:-$ROOT/docs}"
for v in BENCH_RESULTS BENCH_OUT BENCH_TIME_PROVIDER; do
  [[ ${!v} == /* ]] || export "$v=$ROOT/${!v}"
done
mkdir -p "$BENCH_RESULTS"
# The server is built into the results directory, not bin/aegis-admin, which
# scripts/testacc.sh rebuilds: a test run beside the benchmark must not swap it.
if [[ -z "${AEGIS_ADMIN_BIN:-}" ]]; then
  echo "=== building $BENCH_RESULTS/aegis-admin ==="
  go build -o "$BENCH_RESULTS/aegis-admin" ./internal/cmd/aegis-admin
  export AEGIS_ADMIN_BIN="$BENCH_RESULTS/aegis-admin"
fi
[[ $AEGIS_ADMIN_BIN == /* ]] || export "AEGIS_ADMIN_BIN=$ROOT/$AEGIS_ADMIN_BIN"
log="$BENCH_RESULTS/bench.log"

echo "=== benchmark: N = $BENCH_N, CLI $BENCH_TERRAFORM; log: $log ==="
set +e
go test ./internal/bench -run '^TestBench$' -count=1 -v -timeout "${BENCH_TIMEOUT:-90m}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if [[ $rc -ne 0 ]]; then
  echo "bench: failed (exit $rc); see $log" >&2
  exit "$rc"
fi
# A skipped benchmark measured nothing: that is a failure of `make bench`.
if grep -q -- '--- SKIP: TestBench' "$log" || ! grep -q -- '--- PASS: TestBench' "$log"; then
  echo "bench: TestBench did not run; see $log" >&2
  exit 1
fi
echo
echo "results: $BENCH_OUT/benchmarks.md, $BENCH_OUT/benchmarks.png"
echo "raw:     $BENCH_RESULTS/results.json, $log"
