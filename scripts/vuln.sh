#!/usr/bin/env bash
# vuln.sh fails when DDC's code reaches a known vulnerability, in a module
# or in the standard library of the Go release go.mod names. It runs the
# pinned govulncheck (installed by setup.sh) against a pinned Go
# vulnerability database, the golang.org/x/vulndb module, which the go
# command fetches through the module proxy like any module: no other
# internet access is needed. scripts/vulncheck does the checking; a
# reachable vulnerability with no fixed version can be accepted, with the
# reason, in scripts/vulncheck/accepted.txt.
#
# To take a newer database, set vulndb_version to what
#   go list -m -json golang.org/x/vulndb@latest
# reports (run outside the repository) and run this script.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

readonly vulndb_version="v0.0.0-20261105234957-e22db6528018"

bash scripts/setup.sh tools
export PATH="$(go env GOPATH)/bin:$PATH"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/vulncheck" ./scripts/vulncheck
"$tmp/vulncheck" -vulndb "$vulndb_version" -accept scripts/vulncheck/accepted.txt -- -tags nomsgpack ./...
