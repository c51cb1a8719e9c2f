#!/usr/bin/env bash
# test.sh runs DDC's whole test suite the way CI does: it installs what the
# tests need (scripts/setup.sh), checks the generated protocol code, format,
# vet and staticcheck, checks for known vulnerabilities that the code
# reaches (scripts/vuln.sh), then runs every test against the real parts (a
# real Docker engine, real plugin subprocesses, the fake Discord on
# loopback) and ends with a summary naming every failing test, its package
# and the first lines of its output (scripts/testsummary). Its last line
# reads "tests: N passed, N failed, N skipped".
#
# Run it as root on a fresh Debian machine with Go (it may install Debian
# packages and start dockerd; the Go release go.mod names is fetched through
# the module proxy). CI=true is set for the tests: a test whose real part
# is missing fails instead of skipping.
#
# Extra arguments go to `go test` (e.g. -run TestName).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
export CI=true
export PATH="$(go env GOPATH)/bin:$PATH"
start=$SECONDS
step() { printf '\n== %s (%ds so far)\n' "$*" "$((SECONDS - start))" >&2; }
trap 'echo "test.sh: stopped after $((SECONDS - start))s" >&2' ERR

step "setup"
bash scripts/setup.sh

step "the Go release is the one go.mod names everywhere"
if ! grep -qF "GOTOOLCHAIN=$GOTOOLCHAIN go run" README.md; then
	echo "README.md's quick start does not say GOTOOLCHAIN=$GOTOOLCHAIN (go.mod's release)" >&2
	exit 1
fi
if ! grep -qE "^FROM golang:${GOTOOLCHAIN#go}-" Dockerfile; then
	echo "Dockerfile does not build with golang:${GOTOOLCHAIN#go} (go.mod's release)" >&2
	exit 1
fi

step "generated protocol code is up to date"
bash sdk/proto/gen.sh --check

step "gofmt"
# The gofmt of the Go release go.mod names, not the one on PATH.
unformatted="$("$(go env GOROOT)/bin/gofmt" -l .)"
if [[ -n "$unformatted" ]]; then
	echo "gofmt: these files need formatting (run gofmt -w):" >&2
	echo "$unformatted" >&2
	exit 1
fi

step "Taskfile parses"
task --list >/dev/null

step "go vet"
go vet -tags nomsgpack ./...

step "staticcheck"
staticcheck -tags nomsgpack ./...

step "cross-compiles for linux/amd64, linux/arm64, linux/arm/v7"
bash scripts/cross.sh

step "known vulnerabilities (govulncheck)"
bash scripts/vuln.sh

step "go test"
# -race: the host, the SDK and the plugins are concurrent code; the race
# detector needs cgo (gcc, installed by setup.sh). testsummary prints what
# go test prints without -v, then the summary; the raw -json stream stays
# in the file named below for a closer look.
tmp="$(mktemp -d)"
go build -o "$tmp/testsummary" ./scripts/testsummary
json="$(mktemp "${TMPDIR:-/tmp}/ddc-test.XXXXXX.json")"
echo "go test -json stream: $json" >&2
status=0
CGO_ENABLED=1 "$tmp/testsummary" -json "$json" -- \
	go test -json -race -tags nomsgpack -count=1 -timeout 20m "$@" ./... || status=$?
rm -rf "$tmp"
exit "$status"
