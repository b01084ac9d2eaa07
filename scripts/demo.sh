#!/usr/bin/env bash
# make demo: the whole story on this machine, with real parts only.
#  1. builds the provider, the reference admin server and aegisctl;
#  2. starts the admin server on loopback with a fresh aegis-config.yaml;
#  3. applies examples/seed (the guide's five providers and five aliases) with the
#     real Terraform CLI through dev_overrides;
#  4. starts an execution on "fast", retargets "fast" and shows the plan;
#  5. applies it and proves the graceful reload: a new execution gets the new model,
#     the one started before keeps the old one;
#  6. checks that a plan is clean (-detailed-exitcode 0), destroys, cleans up.
# DEMO_TERRAFORM picks another CLI (e.g. bin/tofu-1.12.6).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\nDEMO FAILED: %s\n' "$*" >&2; exit 1; }

tf=${DEMO_TERRAFORM:-}
if [ -z "$tf" ]; then
  scripts/install-tools.sh terraform >/dev/null
  tf=$root/bin/terraform-$(sed -n 's/^TERRAFORM_VERSION=//p' scripts/install-tools.sh)
else
  case "$tf" in /*) ;; *) tf=$root/$tf ;; esac # relative to the repository
  case "$(basename "$tf")" in # the pinned CLIs install on demand
    terraform-*) [ -x "$tf" ] || scripts/install-tools.sh terraform >/dev/null ;;
    tofu-*) [ -x "$tf" ] || scripts/install-tools.sh tofu >/dev/null ;;
  esac
  [ -x "$tf" ] || fail "DEMO_TERRAFORM=$DEMO_TERRAFORM is not an executable"
fi

say "Building the provider, the admin server and aegisctl"
mkdir -p bin/provider
go build -o bin/provider/terraform-provider-aegis .
go build -o bin/aegis-admin ./internal/cmd/aegis-admin
go build -o bin/aegisctl ./internal/cmd/aegisctl

work=$(mktemp -d "${TMPDIR:-/tmp}/aegis-demo.XXXXXX")
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

cp examples/seed/main.tf "$work/main.tf"
printf '# aegis-config.yaml for the demo node\nnode:\n  id: demo-node\n' >"$work/aegis-config.yaml"
cat >"$work/cli.tfrc" <<EOF
provider_installation {
  dev_overrides {
    "100monkeys-ai/aegis" = "$root/bin/provider"
  }
  direct {}
}
EOF
export TF_CLI_CONFIG_FILE=$work/cli.tfrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
AEGIS_ADMIN_TOKEN=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
export AEGIS_ADMIN_TOKEN

say "Starting the reference admin server on loopback"
OPENAI_API_KEY=demo-openai-key ANTHROPIC_API_KEY=demo-anthropic-key \
  bin/aegis-admin --config "$work/aegis-config.yaml" --listen 127.0.0.1:0 \
  --ready-file "$work/ready" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do [ -s "$work/ready" ] && break; sleep 0.1; done
[ -s "$work/ready" ] || { cat "$work/server.log"; fail "the admin server did not start"; }
export AEGIS_ENDPOINT AEGIS_TOKEN=$AEGIS_ADMIN_TOKEN
AEGIS_ENDPOINT=$(cat "$work/ready")
echo "admin API at $AEGIS_ENDPOINT ($("$tf" version | head -n1))"

cd "$work"
say "terraform apply: the guide's five providers and five aliases"
"$tf" apply -auto-approve -no-color | tail -n 3
say "aegis-config.yaml as the server wrote it (the node section is kept)"
cat aegis-config.yaml

say "An agent starts an execution on \"fast\" before the change"
before=$("$root/bin/aegisctl" exec start fast)
echo "$before"

say "Review: terraform plan -var fast_provider=gpt-4o-mini"
set +e
"$tf" plan -no-color -detailed-exitcode -var fast_provider=gpt-4o-mini >plan.txt
code=$?
set -e
sed -n '/will perform the following actions/,/^Plan:/p' plan.txt
[ "$code" = 2 ] || fail "plan exit code $code, want 2 (changes)"
grep -q '"claude-3-5-haiku-20241022" -> "gpt-4o-mini"' plan.txt || fail "the plan does not show the re-routed model"

say "terraform apply: a graceful reload"
"$tf" apply -auto-approve -no-color -var fast_provider=gpt-4o-mini | tail -n 1

say "A new execution on \"fast\" after the change"
after=$("$root/bin/aegisctl" exec start fast)
echo "$after"
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }
[ "$(field model "$after")" = gpt-4o-mini ] || fail "new execution did not get gpt-4o-mini"
say "Reload status: the old generation drains while its execution runs"
"$root/bin/aegisctl" status
old=$("$root/bin/aegisctl" exec finish "$(field id "$before")")
echo "finished: $old"
[ "$(field model "$old")" = claude-3-5-haiku-20241022 ] || fail "the running execution lost its model"
"$root/bin/aegisctl" exec finish "$(field id "$after")" >/dev/null

say "Drift check: terraform plan -detailed-exitcode (0 = no changes)"
"$tf" plan -no-color -detailed-exitcode -var fast_provider=gpt-4o-mini | tail -n 1

say "terraform destroy"
"$tf" destroy -auto-approve -no-color -var fast_provider=gpt-4o-mini | tail -n 1
cd "$root"
printf '\nDemo passed: the execution started before the change kept claude-3-5-haiku-20241022, the new one got gpt-4o-mini.\n'
