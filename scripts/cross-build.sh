#!/usr/bin/env bash
# Builds the provider for every GOOS/GOARCH pair that .goreleaser.yml ships, so that
# a platform-specific import (a file-I/O package that does not build on Windows, say)
# fails `make test` instead of the release. Reads the targets from .goreleaser.yml.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The goos/goarch lists and the ignore pairs of the provider build, read with awk so
# that no YAML tool is needed.
mapfile -t goos < <(awk '/^    goos:/{f=1;next} f&&/^      - /{gsub(/[-" ]/,"");print;next} f{f=0}' .goreleaser.yml)
mapfile -t goarch < <(awk '/^    goarch:/{f=1;next} f&&/^      - /{gsub(/[-" ]/,"");print;next} f{f=0}' .goreleaser.yml)
ignored=$(awk '/^    ignore:/{f=1;next} f&&/goos:/{o=$NF} f&&/goarch:/{gsub(/"/,"",$NF);print o"/"$NF} f&&/^    [a-z]/{f=0}' .goreleaser.yml)

if [[ ${#goos[@]} -eq 0 || ${#goarch[@]} -eq 0 ]]; then
  echo "cross-build: could not read goos/goarch from .goreleaser.yml" >&2
  exit 1
fi

failed=0 built=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for os in "${goos[@]}"; do
  for arch in "${goarch[@]}"; do
    if grep -qx "$os/$arch" <<<"$ignored"; then continue; fi
    if CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -o /dev/null . 2>"$log"; then
      built=$((built + 1))
    else
      echo "cross-build: $os/$arch FAILED:"; cat "$log"; failed=1
    fi
  done
done
echo "cross-build: provider built for $built targets of .goreleaser.yml"
exit $failed
