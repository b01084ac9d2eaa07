#!/usr/bin/env bash
# make soak: the reliability scenarios that are too slow for `make test`, run
# longer and repeated, plus every fuzz target for a bounded time.
#   SOAK_CRASHES   kills in the crash loop            (default 300)
#   SOAK_REPEAT    repetitions of the CLI fault tests (default 5)
#   SOAK_FUZZTIME  time per fuzz target               (default 60s)
# A crasher found by a fuzzer is written by `go test` to the package's
# testdata/fuzz/<Target>/ directory; commit it and it runs as a regression test
# in every `go test` from then on.
set -euo pipefail
cd "$(dirname "$0")/.."

crashes=${SOAK_CRASHES:-300}
repeat=${SOAK_REPEAT:-5}
fuzztime=${SOAK_FUZZTIME:-60s}
scripts/install-tools.sh terraform >/dev/null
tf=$PWD/bin/terraform-$(sed -n 's/^TERRAFORM_VERSION=//p' scripts/install-tools.sh)
results=()

step() {
  local name=$1; shift
  echo
  echo "=== soak: $name ==="
  local start=$SECONDS
  if "$@"; then
    results+=("PASS  $(printf '%5ss' $((SECONDS - start)))  $name")
  else
    results+=("FAIL  $(printf '%5ss' $((SECONDS - start)))  $name")
  fi
}

step "crash loop: $crashes SIGKILLs during writes" \
  env AEGIS_SOAK_CRASHES="$crashes" go test ./internal/cmd/aegis-admin -run '^TestCrashLoop$' -count=1 -v -timeout 30m

empty=$(mktemp)
trap 'rm -f "$empty"' EXIT
step "CLI fault scenarios x$repeat (kill mid-apply, lost answers, concurrent applies, reload failure)" \
  env TF_ACC=1 TF_ACC_TERRAFORM_PATH="$tf" CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE="$empty" \
  go test ./internal/provider -count="$repeat" -p 1 -parallel 2 -timeout 60m \
  -run '^(TestAccProvider_serverKilledMidApply|TestAccLLMProvider_lostResponses|TestAccLLMProvider_lostResponseConflict|TestAccLLMAlias_concurrentApplies|TestAccProvider_reloadFailure|TestAccProvider_defaultParallelism)$'

for target in \
  ./internal/llmconfig:FuzzParseCredentialRef \
  ./internal/configfile:FuzzParseDocument \
  ./internal/configfile:FuzzRenderChange \
  ./internal/adminserver:FuzzDecodeProviderBody \
  ./internal/client:FuzzDecodeProblem; do
  pkg=${target%%:*} fn=${target##*:}
  step "fuzz $fn ($fuzztime)" go test "$pkg" -run '^$' -fuzz "^$fn\$" -fuzztime "$fuzztime"
done

echo
echo "=== soak summary ==="
printf '%s\n' "${results[@]}"
! printf '%s\n' "${results[@]}" | grep -q '^FAIL'
