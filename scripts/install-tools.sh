#!/usr/bin/env bash
# Installs the project's pinned developer tools into the git-ignored bin/ directory.
#
#   scripts/install-tools.sh                 # all tools
#   scripts/install-tools.sh terraform tofu  # a subset
#
# Tools: terraform, tofu, tfplugindocs, golangci-lint, goreleaser; and, only when
# named (make bench installs it), terraform-provider-time: hashicorp/time, the
# peer provider of the benchmark, into bin/providers/time-VERSION/.
# Everything is built from source with the Go toolchain (the Go module proxy is
# the only place tools can come from), so a fresh machine needs only Go.
# A tool is skipped when bin/.NAME.version holds the pinned version and the
# binary is present and runs; delete that stamp (or bin/) to force a rebuild.
set -euo pipefail

# ---- pinned versions: the only place tool versions are set ----------------
# (GNUmakefile and the other scripts read these lines with sed: keep NAME=VERSION.)
TERRAFORM_VERSION=1.5.7
TOFU_VERSION=1.12.6
TFPLUGINDOCS_VERSION=0.25.0
GOLANGCI_LINT_VERSION=2.15.0
GORELEASER_VERSION=2.15.1
TIME_PROVIDER_VERSION=0.14.2
# ----------------------------------------------------------------------------

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN="$ROOT/bin"
mkdir -p "$BIN"

ALL_TOOLS=(terraform tofu tfplugindocs golangci-lint goreleaser)
BENCH_TOOLS=(terraform-provider-time)

# Keep Terraform/OpenTofu quiet and offline when we ask them for their version:
# an empty CLI config file avoids the "Unable to open CLI configuration file" warning.
EMPTY_CLI_CONFIG=$(mktemp)
WORK=$(mktemp -d)
cleanup() { rm -rf "$WORK" "$EMPTY_CLI_CONFIG"; }
trap cleanup EXIT
export CHECKPOINT_DISABLE=1

# Tools are built with the local Go only; the project's go.mod plays no part.
export GOTOOLCHAIN=local
export GOFLAGS=-buildvcs=false

log() { printf '%-14s %s\n' "$1" "$2"; }

# dest_path NAME -> path of the installed binary in bin/
dest_path() {
  case "$1" in
    terraform) echo "$BIN/terraform-$TERRAFORM_VERSION" ;;
    tofu) echo "$BIN/tofu-$TOFU_VERSION" ;;
    terraform-provider-time) echo "$BIN/providers/time-$TIME_PROVIDER_VERSION/terraform-provider-time" ;;
    *) echo "$BIN/$1" ;;
  esac
}

pinned_version() {
  case "$1" in
    terraform) echo "$TERRAFORM_VERSION" ;;
    tofu) echo "$TOFU_VERSION" ;;
    tfplugindocs) echo "$TFPLUGINDOCS_VERSION" ;;
    golangci-lint) echo "$GOLANGCI_LINT_VERSION" ;;
    goreleaser) echo "$GORELEASER_VERSION" ;;
    terraform-provider-time) echo "$TIME_PROVIDER_VERSION" ;;
  esac
}

# smoke_test NAME BINARY: the binary runs and, where it can tell, reports the pinned version.
smoke_test() {
  local name=$1 bin=$2 want out
  want=$(pinned_version "$name")
  case "$name" in
    terraform | tofu)
      out=$(TF_CLI_CONFIG_FILE="$EMPTY_CLI_CONFIG" "$bin" version -json 2>/dev/null) || return 1
      grep -q "\"terraform_version\": *\"$want\"" <<<"$out"
      ;;
    golangci-lint)
      out=$("$bin" version --short 2>/dev/null) || return 1
      [[ "${out#v}" == "$want" ]]
      ;;
    goreleaser)
      out=$("$bin" --version 2>&1) || return 1
      grep -q "GitVersion: *v$want\$" <<<"$out"
      ;;
    tfplugindocs)
      # A go-installed tfplugindocs reports "dev": the stamp file carries its version.
      "$bin" --version >/dev/null 2>&1
      ;;
    terraform-provider-time)
      # A plugin run by hand says so and exits 1; the module version is in the binary.
      out=$("$bin" 2>&1 || true)
      grep -q "This binary is a plugin" <<<"$out" &&
        go version -m "$bin" | grep -q "github.com/hashicorp/terraform-provider-time[[:space:]]*v$want"
      ;;
  esac
}

up_to_date() {
  local name=$1 bin stamp
  bin=$(dest_path "$name")
  stamp="$BIN/.$name.version"
  [[ -x "$bin" && -f "$stamp" ]] || return 1
  [[ "$(cat "$stamp")" == "$(pinned_version "$name")" ]] || return 1
  smoke_test "$name" "$bin"
}

# go_install NAME PACKAGE@VERSION: go install into a scratch GOBIN, then move into place.
go_install() {
  local name=$1 pkg=$2 gobin="$WORK/gobin-$1"
  mkdir -p "$gobin"
  GOBIN="$gobin" go install "$pkg"
  local built
  built=$(find "$gobin" -maxdepth 1 -type f | head -n1)
  [[ -n "$built" ]] || { echo "go install $pkg produced no binary" >&2; return 1; }
  mkdir -p "$(dirname "$(dest_path "$name")")"
  mv -f "$built" "$(dest_path "$name")"
}

# OpenTofu cannot be built with "go install module@version" because its go.mod has
# a replace directive; build it from a writable copy of the downloaded module instead.
build_tofu() {
  local json dir src="$WORK/opentofu"
  json=$(go mod download -json "github.com/opentofu/opentofu@v$TOFU_VERSION")
  dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")
  [[ -n "$dir" && -d "$dir" ]] || { echo "could not download opentofu v$TOFU_VERSION:" >&2; echo "$json" >&2; return 1; }
  cp -r "$dir" "$src"
  chmod -R u+w "$src"
  (
    cd "$src"
    GOFLAGS="-mod=mod -buildvcs=false" go build \
      -ldflags "-X github.com/opentofu/opentofu/version.dev=no" \
      -o "$(dest_path tofu)" ./cmd/tofu
  )
}

install_one() {
  local name=$1 version start elapsed
  version=$(pinned_version "$name")
  if up_to_date "$name"; then
    log "$name" "$version already installed ($(dest_path "$name" | sed "s|^$ROOT/||")), skipped"
    return 0
  fi
  start=$SECONDS
  rm -f "$BIN/.$name.version"
  case "$name" in
    terraform) go_install terraform "github.com/hashicorp/terraform@v$version" ;;
    tofu) build_tofu ;;
    tfplugindocs) go_install tfplugindocs "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs@v$version" ;;
    golangci-lint) go_install golangci-lint "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v$version" ;;
    goreleaser) go_install goreleaser "github.com/goreleaser/goreleaser/v2@v$version" ;;
    terraform-provider-time) go_install terraform-provider-time "github.com/hashicorp/terraform-provider-time@v$version" ;;
  esac
  if ! smoke_test "$name" "$(dest_path "$name")"; then
    echo "$name $version was built but does not report the expected version" >&2
    return 1
  fi
  echo "$version" >"$BIN/.$name.version"
  elapsed=$((SECONDS - start))
  log "$name" "$version installed ($(dest_path "$name" | sed "s|^$ROOT/||")) in ${elapsed}s"
}

tools=("$@")
if [[ ${#tools[@]} -eq 0 ]]; then
  tools=("${ALL_TOOLS[@]}")
fi
for t in "${tools[@]}"; do
  case " ${ALL_TOOLS[*]} ${BENCH_TOOLS[*]} " in
    *" $t "*) ;;
    *) echo "unknown tool: $t (known: ${ALL_TOOLS[*]} ${BENCH_TOOLS[*]})" >&2; exit 2 ;;
  esac
done
for t in "${tools[@]}"; do
  install_one "$t"
done
