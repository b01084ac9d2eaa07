#!/usr/bin/env bash
# Checks examples/ with the pinned Terraform: formatting, then `terraform validate`
# on every directory holding .tf files, against a freshly built provider through a
# dev_overrides CLI config (so no init and no registry are needed).
#
# Example directories are fragments for the docs: a resource example usually has no
# required_providers block, which would make Terraform look for hashicorp/aegis. Each
# directory is therefore validated from a scratch copy, with a required_providers
# block added when the example has none.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
TERRAFORM_VERSION=$(sed -n 's/^TERRAFORM_VERSION=//p' scripts/install-tools.sh)
TERRAFORM="$ROOT/bin/terraform-$TERRAFORM_VERSION"
PROVIDER_SOURCE=100monkeys-ai/aegis
EXAMPLES=examples

[[ -x "$TERRAFORM" ]] || scripts/install-tools.sh terraform
if [[ ! -d "$EXAMPLES" ]]; then
  echo "examples-check: no $EXAMPLES/ directory, nothing to check"
  exit 0
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export CHECKPOINT_DISABLE=1

echo "examples-check: terraform fmt -check -recursive $EXAMPLES"
: >"$TMP/empty.tfrc"
if ! TF_CLI_CONFIG_FILE="$TMP/empty.tfrc" "$TERRAFORM" fmt -check -recursive -diff "$EXAMPLES"; then
  echo "examples are not formatted: run make fmt" >&2
  exit 1
fi

echo "examples-check: building provider into bin/provider"
go build -o bin/provider/terraform-provider-aegis .
cat >"$TMP/dev.tfrc" <<TFRC
provider_installation {
  dev_overrides {
    "$PROVIDER_SOURCE" = "$ROOT/bin/provider"
  }
  direct {}
}
TFRC
export TF_CLI_CONFIG_FILE="$TMP/dev.tfrc"

failed=() n=0
while IFS= read -r dir; do
  n=$((n + 1))
  work="$TMP/example-$n"
  mkdir -p "$work"
  cp -r "$dir"/. "$work"/
  rm -rf "$work/.terraform" "$work/.terraform.lock.hcl"
  if ! grep -qs 'required_providers' "$dir"/*.tf; then
    cat >"$work/zz_examples_check.tf" <<TF
terraform {
  required_providers {
    aegis = {
      source = "$PROVIDER_SOURCE"
    }
  }
}
TF
  fi
  if out=$("$TERRAFORM" -chdir="$work" validate -no-color 2>&1); then
    echo "ok    $dir"
  else
    echo "FAIL  $dir"
    # Point error locations at the real example files, not the scratch copy.
    out=${out//"$work/"/}
    while IFS= read -r line; do printf '      %s\n' "$line"; done <<<"$out"
    failed+=("$dir")
  fi
done < <(find "$EXAMPLES" -type f -name '*.tf' -not -path '*/.terraform/*' -printf '%h\n' | sort -u)

if [[ $n -eq 0 ]]; then
  echo "examples-check: no .tf files under $EXAMPLES/"
fi
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "examples-check: ${#failed[@]} of $n example directories failed to validate" >&2
  exit 1
fi
echo "examples-check: $n example directories valid"
