#!/usr/bin/env bash
# Runs the acceptance suite once per Terraform/OpenTofu CLI, each as its own labelled
# run, then prints a summary. Exits non-zero if any run failed.
#
#   scripts/testacc.sh                     # all CLIs (see ACC_CLIS below)
#   scripts/testacc.sh -run TestAccLLMAlias # extra args go to every `go test`
#   ACC_CLIS="tofu-1.12.6" scripts/testacc.sh
#
# ACC_CLIS is a space-separated list. Each entry is one of:
#   terraform-X.Y.Z / tofu-X.Y.Z  a pinned CLI in bin/ (installed on demand by scripts/install-tools.sh)
#   system                        /usr/local/bin/terraform
#   /path/to/terraform-or-tofu    any other binary
# Default: the pinned Terraform and OpenTofu, plus `system` when it is present and
# reports a version (it is optional by default, required when listed explicitly).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN="$ROOT/bin"
SYSTEM_TERRAFORM=/usr/local/bin/terraform

# The pinned versions live only in scripts/install-tools.sh.
pin() { sed -n "s/^$1=//p" "$ROOT/scripts/install-tools.sh"; }
TERRAFORM_VERSION=$(pin TERRAFORM_VERSION)
TOFU_VERSION=$(pin TOFU_VERSION)

system_optional=0
if [[ -z "${ACC_CLIS:-}" ]]; then
  ACC_CLIS="terraform-$TERRAFORM_VERSION tofu-$TOFU_VERSION system"
  system_optional=1
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# An empty CLI config: no ~/.terraformrc surprises, and no "Unable to open CLI
# configuration file" warning that would break the test framework's version parsing.
CLI_CONFIG="$TMP/empty.tfrc"
: >"$CLI_CONFIG"

export TF_ACC=1
export CHECKPOINT_DISABLE=1
export TF_CLI_CONFIG_FILE="$CLI_CONFIG"

# cli_version BINARY -> the version the CLI reports ("" if it does not run)
cli_version() {
  "$1" version -json 2>/dev/null | sed -n 's/^[[:space:]]*"terraform_version": *"\([^"]*\)".*/\1/p' | head -n1
}
# cli_kind BINARY -> terraform | tofu
cli_kind() {
  if "$1" version 2>/dev/null | head -n1 | grep -q '^OpenTofu'; then echo tofu; else echo terraform; fi
}

# Resolve ACC_CLIS into the binaries to run; results go into parallel arrays.
labels=() paths=() results=() details=() durations=()
need_install=()
for entry in $ACC_CLIS; do
  case "$entry" in
    terraform-* | tofu-*)
      [[ -x "$BIN/$entry" ]] || need_install+=("${entry%%-*}")
      paths+=("$BIN/$entry")
      ;;
    system)
      if [[ ! -x "$SYSTEM_TERRAFORM" || -z "$(cli_version "$SYSTEM_TERRAFORM")" ]]; then
        if [[ $system_optional == 1 ]]; then
          echo "note: $SYSTEM_TERRAFORM is absent or reports no version; skipping it"
          continue
        fi
      fi
      paths+=("$SYSTEM_TERRAFORM")
      ;;
    /*) paths+=("$entry") ;;
    *) echo "ACC_CLIS: unknown entry '$entry'" >&2; exit 2 ;;
  esac
done
if [[ ${#need_install[@]} -gt 0 ]]; then
  "$ROOT/scripts/install-tools.sh" "${need_install[@]}"
fi
if [[ ${#paths[@]} -eq 0 ]]; then
  echo "ACC_CLIS selects no CLI" >&2
  exit 2
fi

# Built once for every CLI, into this run's own directory: bin/ may be shared by
# several checkouts, whose test runs must not swap each other's server binary.
echo "=== building aegis-admin and the provider ==="
mkdir -p "$TMP/provider"
go build -o "$TMP/aegis-admin" ./internal/cmd/aegis-admin
go build -o "$TMP/provider/terraform-provider-aegis" .
export AEGIS_ADMIN_BIN="$TMP/aegis-admin" AEGIS_PROVIDER_BIN="$TMP/provider/terraform-provider-aegis"

failed=0
for path in "${paths[@]}"; do
  if [[ -x "$path" ]]; then
    kind=$(cli_kind "$path")
    version=$(cli_version "$path")
  else
    kind=terraform version=""
  fi
  label="$kind ${version:-?}"
  [[ "$path" == "$BIN/"* ]] || label="$label ($path)"
  labels+=("$label")
  echo
  echo "=== acceptance: $label ==="
  start=$SECONDS
  if [[ -z "$version" ]]; then
    echo "$path is missing or does not report a version"
    results+=(FAIL) details+=("CLI unusable") durations+=(0)
    failed=1
    continue
  fi

  # The provider address the tests use (a neutral host, the same for every CLI) is
  # set by TestMain in internal/provider.
  env_args=(TF_ACC_TERRAFORM_PATH="$path")
  echo "env: TF_ACC=1 CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=$CLI_CONFIG AEGIS_ADMIN_BIN=$AEGIS_ADMIN_BIN AEGIS_PROVIDER_BIN=$AEGIS_PROVIDER_BIN ${env_args[*]}"

  log="$TMP/run-${#labels[@]}.log"
  set +e
  env -u TF_ACC_PROVIDER_HOST -u TF_ACC_PROVIDER_NAMESPACE "${env_args[@]}" \
    go test ./internal/... -v -run '^TestAcc' -count=1 -p 1 -parallel 2 -timeout 40m "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e

  # Top-level test results only (subtests are indented).
  npass=$(grep -c '^--- PASS: TestAcc' "$log" || true)
  nfail=$(grep -c '^--- FAIL: TestAcc' "$log" || true)
  nskip=$(grep -c '^--- SKIP: TestAcc' "$log" || true)
  durations+=($((SECONDS - start)))
  details+=("$npass passed, $nfail failed, $nskip skipped")
  if [[ $rc -ne 0 ]]; then
    results+=(FAIL)
    failed=1
  elif [[ $npass -eq 0 ]]; then
    # A run in which no acceptance test passed proves nothing.
    results+=(FAIL)
    details[-1]="${details[-1]} (no acceptance test ran)"
    failed=1
  else
    results+=(PASS)
  fi
done

echo
echo "=== acceptance summary ==="
printf '%-50s %-6s %8s  %s\n' CLI RESULT TIME TESTS
for i in "${!labels[@]}"; do
  printf '%-50s %-6s %7ss  %s\n' "${labels[$i]}" "${results[$i]}" "${durations[$i]}" "${details[$i]}"
done
exit "$failed"
